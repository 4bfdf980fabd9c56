namespace Registry.Adapters.Sync;

/// <summary>
/// What <c>/readyz</c> of <c>sync --listen</c> says about leadership, overall and per shard. A standby is ready: it reads
/// and would take over.
/// </summary>
/// <param name="options">The sync options (leader election, shards, sync id).</param>
internal sealed class SyncLeadershipState(SyncOptions options)
{
    private volatile SyncShardCoordinator? _coordinator;

    /// <summary>Whether this run campaigns (<c>--leader-elect</c> other than <c>none</c>).</summary>
    public bool Elected => !string.Equals(options.LeaderElection.Kind, "none", StringComparison.Ordinal);

    /// <summary><c>leader</c>, <c>standby</c>, or <c>unelected</c> without leader election (every replica writes).</summary>
    public static string Describe(ISyncLeadership? leadership) =>
        leadership is null ? "unelected" : leadership.IsLeader ? "leader" : "standby";

    /// <summary>The coordinator once the election is created; until then every shard is a standby.</summary>
    public void Attach(SyncShardCoordinator coordinator) => _coordinator = coordinator;

    /// <summary><c>unelected</c> without leader election; <c>leader</c> while this replica leads at least one shard; else <c>standby</c>.</summary>
    public string Describe() => !Elected ? "unelected" : _coordinator is { LeadingShards.Count: > 0 } ? "leader" : "standby";

    /// <summary>Each shard's election and whether this replica leads it; <see langword="null"/> without leader election.</summary>
    public List<Serve.ServeReadinessShard>? Shards()
    {
        if (!Elected)
        {
            return null;
        }

        var coordinator = _coordinator;
        var name = options.LeaderElection.Name ?? options.SyncId;
        return [.. Enumerable.Range(0, options.Shards).Select(shard => new Serve.ServeReadinessShard
        {
            Shard = shard,
            Election = SyncElectionOptions.ElectionName(name, shard, options.Shards),
            State = coordinator is not null && coordinator.Candidates[shard].IsLeader ? "leader" : "standby",
        })];
    }
}
