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

    /// <summary>The delay before the first retry while the registry cannot be reached; it doubles on each failure. <value>The default value is 1 second.</value></summary>
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>The longest delay between two retries. <value>The default value is 30 seconds.</value></summary>
    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Throws when a value is out of range.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A delay is not positive, or <see cref="MaxRetryDelay"/> is below <see cref="RetryDelay"/>.</exception>
    internal void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(RetryDelay, TimeSpan.Zero, nameof(RetryDelay));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxRetryDelay, RetryDelay, nameof(MaxRetryDelay));
    }
}
