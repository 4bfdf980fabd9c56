namespace Registry.Adapters.Consul;

/// <summary>How <c>ConsulServiceRegistrar</c> registers instances with the local agent.</summary>
public sealed class ConsulRegistrationOptions
{
    /// <summary>The kind of check registered with the service. <value>The default value is <see cref="ConsulCheckMode.Ttl"/>.</value></summary>
    public ConsulCheckMode CheckMode { get; set; } = ConsulCheckMode.Ttl;

    /// <summary>The TTL of the check; the registrar reports every third of it. <value>The default value is 15 seconds.</value></summary>
    public TimeSpan Ttl { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>
    /// The URL the agent polls for <see cref="ConsulCheckMode.Http"/>.
    /// <value>The default value is <see langword="null"/>: <c>{protocol}://{host}:{port}{HttpCheckPath}</c> of the instance's first port.</value>
    /// </summary>
    public string? HttpCheckUrl { get; set; }

    /// <summary>The path of the default HTTP check URL. <value>The default value is <c>/health</c>.</value></summary>
    public string HttpCheckPath { get; set; } = "/health";

    /// <summary>How often the agent polls the HTTP check. <value>The default value is 10 seconds.</value></summary>
    public TimeSpan HttpCheckInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>The HTTP check's timeout. <value>The default value is 5 seconds.</value></summary>
    public TimeSpan HttpCheckTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Consul removes the service once its check has been critical this long (at least 1 minute).
    /// <value>The default value is 5 minutes; <see langword="null"/> never removes it.</value>
    /// </summary>
    public TimeSpan? DeregisterCriticalServiceAfter { get; set; } = TimeSpan.FromMinutes(5);
}

/// <summary>The check the registrar attaches to a registered service.</summary>
public enum ConsulCheckMode
{
    /// <summary>A TTL check the registrar keeps passing; <c>SetHealthAsync</c> sets its status.</summary>
    Ttl = 0,

    /// <summary>An HTTP check the agent runs against the instance; Consul owns the health (only draining can be set).</summary>
    Http = 1,
}
