using System.Collections.Frozen;

namespace Registry.Adapters;

/// <summary>The full content of one registry at one point.</summary>
public sealed record RegistrySnapshot
{
    /// <summary>An empty snapshot.</summary>
    public static RegistrySnapshot Empty { get; } = new();

    /// <summary>Instances by source service name. A service with no instances may be absent.</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<ServiceInstance>> Services { get; init; } =
        FrozenDictionary<string, IReadOnlyList<ServiceInstance>>.Empty;

    /// <summary>The backend's native revision (etcd revision, Consul index, resourceVersion, apps hash code), if any.</summary>
    public string? Revision { get; init; }

    /// <summary>Records the registry skipped because they were invalid.</summary>
    public IReadOnlyList<SkippedRecord> Skipped { get; init; } = [];

    /// <summary>The number of instances over all services.</summary>
    public int InstanceCount => Services.Values.Sum(static s => s.Count);
}
