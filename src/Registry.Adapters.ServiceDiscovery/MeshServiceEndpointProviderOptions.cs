namespace Registry.Adapters.ServiceDiscovery;

/// <summary>
/// Which instances of a mesh service the service-discovery provider hands out. Healthy, non-stale instances are
/// always eligible; the options below widen or narrow that set.
/// </summary>
public sealed class MeshServiceEndpointProviderOptions
{
    /// <summary>
    /// Hands out the last-known-good instances of a failed registry (<see cref="MeshInstance.Stale"/>), but only when the
    /// service has no fresh eligible instance left.
    /// <value>The default value is <see langword="true"/>.</value>
    /// </summary>
    public bool UseStaleWhenNoneFresh { get; set; } = true;

    /// <summary>Hands out instances whose health is <see cref="HealthStatus.Unhealthy"/>. <value>The default value is <see langword="false"/>.</value></summary>
    public bool IncludeUnhealthy { get; set; }

    /// <summary>Hands out instances whose health is <see cref="HealthStatus.Draining"/>. <value>The default value is <see langword="false"/>.</value></summary>
    public bool IncludeDraining { get; set; }

    /// <summary>Hands out instances whose health is <see cref="HealthStatus.Starting"/>. <value>The default value is <see langword="false"/>.</value></summary>
    public bool IncludeStarting { get; set; }

    /// <summary>Hands out instances whose health is <see cref="HealthStatus.Unknown"/>. <value>The default value is <see langword="false"/>.</value></summary>
    public bool IncludeUnknown { get; set; }

    /// <summary>
    /// The caller's zone. When set, only the eligible instances in this zone (ordinal, case-insensitive) are handed out
    /// while there is at least one; the other zones are the fallback.
    /// <value>The default value is <see langword="null"/>: every zone alike.</value>
    /// </summary>
    public string? Zone { get; set; }

    /// <summary>Whether an instance of this health may be handed out.</summary>
    internal bool Allows(HealthStatus health) => health switch
    {
        HealthStatus.Healthy => true,
        HealthStatus.Unhealthy => IncludeUnhealthy,
        HealthStatus.Draining => IncludeDraining,
        HealthStatus.Starting => IncludeStarting,
        _ => IncludeUnknown,
    };
}
