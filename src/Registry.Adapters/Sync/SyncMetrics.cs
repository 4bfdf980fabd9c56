using System.Collections.Concurrent;
using System.Diagnostics.Metrics;

namespace Registry.Adapters.Sync;

/// <summary>The sync's instruments on the <c>Registry.Adapters</c> meter.</summary>
internal sealed class SyncMetrics
{
    private readonly Counter<long> _writes;
    private readonly Histogram<double> _duration;
    private readonly Histogram<double> _lag;
    private readonly ConcurrentDictionary<(string Target, int Shard), (int Owned, int Held)> _targets = new();
    private readonly ConcurrentDictionary<int, int> _leaders = new();

    public SyncMetrics(IMeterFactory factory)
    {
        var meter = factory.Create("Registry.Adapters");
        _writes = meter.CreateCounter<long>("registry.sync.writes", "{record}", "Records written into sync targets, by op (create, update, delete), target and outcome.");
        _duration = meter.CreateHistogram<double>("registry.sync.reconcile.duration", "s", "How long one reconcile pass took.");
        _lag = meter.CreateHistogram<double>("registry.sync.lag", "s", "From the first catalog change a pass mirrors (a source change, after the catalog's coalescing) to the end of that pass's writes into a target.");
        meter.CreateObservableGauge("registry.sync.owned", () => _targets.Select(static t => new Measurement<int>(t.Value.Owned, TargetTags(t.Key))), "{record}", "Records the sync owns in each target (by shard with several shards).");
        meter.CreateObservableGauge("registry.sync.deletes.held", () => _targets.Select(static t => new Measurement<int>(t.Value.Held, TargetTags(t.Key))), "{record}", "Deletes held back by the delete-ratio guard or a source without a first snapshot.");
        meter.CreateObservableGauge("registry.sync.leader", () => _leaders.Select(static l => l.Key < 0 ? new Measurement<int>(l.Value) : new Measurement<int>(l.Value, ShardTag(l.Key))), null, "1 while this replica leads (or runs without leader election); by sync.shard with several shards.");
    }

    /// <summary>The tag of one shard; shard −1 (one shard, or no sharding) has none.</summary>
    private static KeyValuePair<string, object?> ShardTag(int shard) => new("sync.shard", shard);

    private static KeyValuePair<string, object?>[] TargetTags((string Target, int Shard) key) => key.Shard < 0
        ? [new("registry.name", key.Target)]
        : [new("registry.name", key.Target), ShardTag(key.Shard)];

    public void Wrote(string target, string op, int count, string outcome)
    {
        if (count > 0)
        {
            _writes.Add(count, new KeyValuePair<string, object?>("op", op), new KeyValuePair<string, object?>("registry.name", target), new KeyValuePair<string, object?>("outcome", outcome));
        }
    }

    public void Pass(TimeSpan duration) => _duration.Record(duration.TotalSeconds);

    public void Lag(string target, TimeSpan lag) => _lag.Record(lag.TotalSeconds, new KeyValuePair<string, object?>("registry.name", target));

    public void Target(string target, int shard, int owned, int held) => _targets[(target, shard)] = (owned, held);

    /// <summary>Whether this replica leads <paramref name="shard"/> (−1: the only one).</summary>
    public void Leader(int shard, bool leads) => _leaders[shard] = leads ? 1 : 0;
}
