using Registry.Adapters.Backends;

namespace Registry.Adapters;

/// <summary>
/// How the application registers itself (<c>AddSelfRegistration</c>, <c>AddConsulSelfRegistration</c>,
/// <c>AddEtcdSelfRegistration</c>, <c>AddEurekaSelfRegistration</c>).
/// </summary>
/// <remarks>
/// By default the host starts whether or not the registry can be reached, as a Eureka client or Steeltoe application
/// does: the instance is registered once the host has started (after the web server listens), and while the registry
/// cannot be reached the registration is retried in the background with backoff. The first failure is logged as a
/// warning, the success that ends a run of failures as information; retries in between are logged at debug level.
/// With <see cref="FailFast"/> the first registration is awaited instead and its failure fails host start.
/// </remarks>
public sealed class SelfRegistrationOptions
{
    /// <summary>
    /// Whether a failed first registration fails host start (Spring Cloud Consul's <c>fail-fast</c>) instead of being
    /// retried in the background. <value>The default value is <see langword="false"/>.</value>
    /// </summary>
    public bool FailFast { get; set; }

    /// <summary>
    /// The backoff while the registry cannot be reached: the same <see cref="ReconnectOptions"/> settings as every backend's
    /// reconnect loop (<c>InitialDelay</c>, doubling up to <c>MaxDelay</c>, each wait drawn with <c>Jitter</c>).
    /// <value>The default value is an initial delay of 1 second, at most 30 seconds, jitter 0.5.</value>
    /// </summary>
    public ReconnectOptions Retry { get; } = new() { InitialDelay = TimeSpan.FromSeconds(1), MaxDelay = TimeSpan.FromSeconds(30) };

    /// <summary>Throws when a value is out of range.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A <see cref="Retry"/> setting is out of range; the message names it and the fix.</exception>
    internal void Validate()
    {
        var errors = new List<string>();
        Retry.Validate("SelfRegistrationOptions:Retry", errors);
        if (errors.Count > 0)
        {
            throw new ArgumentOutOfRangeException(nameof(Retry), string.Join(" ", errors));
        }
    }
}
