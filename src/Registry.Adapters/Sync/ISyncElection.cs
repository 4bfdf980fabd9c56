namespace Registry.Adapters.Sync;

/// <summary>
/// An election store one replica of the sync campaigns in: etcd (a lease the replica grants and keeps alive), Consul (a
/// session with a TTL and KV acquire) or a Kubernetes Lease. It holds one election per shard (<see cref="GetCandidate"/>)
/// and lists the replicas that campaign, so shards can be spread evenly (<see cref="ListReplicasAsync"/>).
/// </summary>
/// <remarks>
/// Disposing stops every campaign; a leader steps down by releasing what it holds (revoking the lease, destroying the
/// session, releasing the Lease), so a standby takes over at once instead of after the lease duration. A replica that
/// dies without disposing is replaced after the lease duration.
/// </remarks>
public interface ISyncElection : IAsyncDisposable
{
    /// <summary>This replica's identity in the store (<see cref="SyncElectionOptions.Identity"/>, by default host name and process id).</summary>
    string Identity { get; }

    /// <summary>The candidate of this replica in one election; the same name returns the same candidate. It does not campaign until started.</summary>
    /// <param name="election">The election name: <see cref="SyncElectionOptions.ElectionName"/> for one shard of several.</param>
    /// <returns>The candidate.</returns>
    ISyncCandidate GetCandidate(string election);

    /// <summary>
    /// Lists the identities of the replicas that campaign in this store now (this one included), from the store itself:
    /// only live members (a replica that died drops out once its lease, session or member Lease expired).
    /// </summary>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The distinct identities, in ordinal order; never empty (this replica is in it).</returns>
    /// <exception cref="RegistryException">The store could not be read.</exception>
    /// <remarks>The shard coordinator ranks this replica by its place in the list, so every replica must have its own identity.</remarks>
    Task<IReadOnlyList<string>> ListReplicasAsync(CancellationToken cancellationToken = default);
}

/// <summary>One replica's candidacy in one election (one shard): leadership, the write fence, and start/stop of the campaign.</summary>
public interface ISyncCandidate : ISyncLeadership
{
    /// <summary>The election name.</summary>
    string Election { get; }

    /// <summary>Raised when this replica starts (<see langword="true"/>) or stops (<see langword="false"/>) leading the election.</summary>
    event Action<bool>? LeadershipChanged;

    /// <summary>Campaigns in the background (again, after <see cref="StopAsync"/>); does nothing when already campaigning.</summary>
    void Start();

    /// <summary>Stops campaigning; a leader steps down and releases the election so another replica takes it at once.</summary>
    /// <param name="cancellationToken">Cancels the release (the election then expires after the lease duration).</param>
    /// <returns>A task that completes when the campaign stopped and <see cref="ISyncLeadership.IsLeader"/> is <see langword="false"/>.</returns>
    Task StopAsync(CancellationToken cancellationToken = default);
}
