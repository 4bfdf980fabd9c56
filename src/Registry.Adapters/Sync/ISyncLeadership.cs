namespace Registry.Adapters.Sync;

/// <summary>
/// Leader election for the sync: standbys read and stay ready but do not write. Implementations (etcd, Consul,
/// Kubernetes Lease) campaign in the background; a leader that cannot renew within its deadline stops leading.
/// </summary>
public interface ISyncLeadership
{
    /// <summary>Whether this replica leads now.</summary>
    bool IsLeader { get; }

    /// <summary>The fence the writes of the current leadership carry, or <see langword="null"/> when the election has none.</summary>
    WriteFence? Fence { get; }

    /// <summary>Completes when this replica leads (at once when it already does).</summary>
    /// <param name="cancellationToken">Stops waiting.</param>
    /// <returns>A task that completes on leadership.</returns>
    Task WaitForLeadershipAsync(CancellationToken cancellationToken = default);
}
