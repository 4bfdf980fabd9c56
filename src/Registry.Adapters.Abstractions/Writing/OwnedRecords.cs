using System.Collections.Frozen;

namespace Registry.Adapters;

/// <summary>What one sync id owns in a target, as <see cref="IServiceRegistryWriter.ListOwnedAsync"/> lists it.</summary>
public sealed record OwnedRecords
{
    /// <summary>No owned record.</summary>
    public static OwnedRecords Empty { get; } = new();

    /// <summary>Owned instances by target service name; a service without owned instances is absent.</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<ServiceInstance>> Services { get; init; } =
        FrozenDictionary<string, IReadOnlyList<ServiceInstance>>.Empty;

    /// <summary>The target's native revision of the listing (etcd revision, Consul index), if any.</summary>
    public string? Revision { get; init; }

    /// <summary>The number of owned instances over all services.</summary>
    public int InstanceCount => Services.Values.Sum(static s => s.Count);
}
