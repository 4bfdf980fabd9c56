namespace Registry.Adapters.Sync;

/// <summary>
/// An election store one replica of the sync campaigns in: etcd (a lease the replica grants and keeps alive), Consul (a
/// session with a TTL and KV acquire) or a Kubernetes Lease. It holds one election per shard (<see cref="GetCandidate"/>)
/// and counts the replicas that campaign, so shards can be spread evenly (<see cref="CountReplicasAsync"/>).
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

    /// <summary>Counts the replicas that campaign in this store now (this one included), from the store itself.</summary>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The number of live replicas, at least 1.</returns>
    /// <exception cref="RegistryException">The store could not be read.</exception>
    Task<int> CountReplicasAsync(CancellationToken cancellationToken = default);
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
