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

    /// <summary>
    /// Target service names whose stored objects no longer hold what the sync wrote (edited by hand, or written by an
    /// older version), though their instances read back equal to the desired ones: the sync writes each of them again
    /// on its next pass. Only a target that stores more than the instances (a Kubernetes Service, an Istio
    /// ServiceEntry) reports drift this way; for the others their instances are the whole record.
    /// <value>The default value is empty.</value>
    /// </summary>
    public IReadOnlySet<string> Drifted { get; init; } = FrozenSet<string>.Empty;

    /// <summary>The target's native revision of the listing (etcd revision, Consul index), if any.</summary>
    public string? Revision { get; init; }

    /// <summary>The number of owned instances over all services.</summary>
    public int InstanceCount => Services.Values.Sum(static s => s.Count);
}
