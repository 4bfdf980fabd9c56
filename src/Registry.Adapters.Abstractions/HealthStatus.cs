namespace Registry.Adapters;

/// <summary>The health of one service instance, mapped from the registry's own vocabulary.</summary>
public enum HealthStatus
{
    /// <summary>The registry does not say (Eureka <c>UNKNOWN</c>).</summary>
    Unknown = 0,

    /// <summary>The instance takes traffic (Consul <c>passing</c>, Eureka <c>UP</c>, a ready endpoint).</summary>
    Healthy = 1,

    /// <summary>The instance should not take traffic (Consul <c>warning</c>/<c>critical</c>, Eureka <c>DOWN</c>).</summary>
    Unhealthy = 2,

    /// <summary>The instance is starting (Eureka <c>STARTING</c>).</summary>
    Starting = 3,

    /// <summary>The instance is leaving: finish in-flight work, send nothing new (maintenance, <c>OUT_OF_SERVICE</c>, terminating).</summary>
    Draining = 4,
}
