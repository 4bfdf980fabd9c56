using System.Collections.Frozen;

namespace Registry.Adapters;

/// <summary>The desired state of some services of one target, for <see cref="IServiceRegistryWriter.ApplyAsync"/>.</summary>
public sealed record WriteBatch
{
    /// <summary>The sync id that owns what is written (<see cref="SyncMetadata.ValidateSyncId"/>).</summary>
    public required string SyncId { get; init; }

    /// <summary>
    /// The desired instances by target service name. Each instance's <see cref="ServiceInstance.Service"/> equals its
    /// key and it carries <see cref="SyncMetadata.SyncIdKey"/> = <see cref="SyncId"/> and an origin; an empty list removes
    /// what the sync owns of the service.
    /// </summary>
    public IReadOnlyDictionary<string, IReadOnlyList<ServiceInstance>> Services { get; init; } =
        FrozenDictionary<string, IReadOnlyList<ServiceInstance>>.Empty;

    /// <summary>
    /// The leader-election fence the writes depend on, or <see langword="null"/> without leader election.
    /// <value>The default value is <see langword="null"/>.</value>
    /// </summary>
    public WriteFence? Fence { get; init; }
}

/// <summary>
/// A leadership fence: the writes of a batch are valid only while the lock it names is held. A writer whose own store
/// holds the lock (<see cref="Registry"/> equals the writer's <see cref="IServiceRegistryWriter.Name"/>) makes every
/// write request conditional on it in the same transaction (etcd: the leader key's create revision equals
/// <see cref="Token"/>; Consul: the key is held by the session <see cref="Holder"/>) and throws
/// <see cref="WriteFenceLostException"/> when it fails. Other writers rely on the sync checking leadership before each batch.
/// </summary>
/// <param name="Registry">The name of the registry that holds the lock.</param>
/// <param name="Key">The lock's key (etcd leader key, Consul KV key, Kubernetes Lease name).</param>
/// <param name="Token">A number that changes with every new leadership (etcd create revision, Consul <c>LockIndex</c>).</param>
/// <param name="Holder">Who holds it, where the store checks that (Consul session id); else <see langword="null"/>.</param>
public sealed record WriteFence(string Registry, string Key, long Token, string? Holder = null);
