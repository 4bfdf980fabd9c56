using System.Collections.Concurrent;
using System.Diagnostics.Metrics;

namespace Registry.Adapters.Sync;

/// <summary>The sync's instruments on the <c>Registry.Adapters</c> meter.</summary>
internal sealed class SyncMetrics
{
    private readonly Counter<long> _writes;
    private readonly Histogram<double> _duration;
    private readonly Histogram<double> _lag;
    private readonly ConcurrentDictionary<string, (int Owned, int Held)> _targets = new(StringComparer.Ordinal);
    private volatile int _leader;

    public SyncMetrics(IMeterFactory factory)
    {
        var meter = factory.Create("Registry.Adapters");
        _writes = meter.CreateCounter<long>("registry.sync.writes", "{record}", "Records written into sync targets, by op (create, update, delete), target and outcome.");
        _duration = meter.CreateHistogram<double>("registry.sync.reconcile.duration", "s", "How long one reconcile pass took.");
        _lag = meter.CreateHistogram<double>("registry.sync.lag", "s", "From the first catalog change a pass mirrors (a source change, after the catalog's coalescing) to the end of that pass's writes into a target.");
        meter.CreateObservableGauge("registry.sync.owned", () => _targets.Select(static t => new Measurement<int>(t.Value.Owned, new KeyValuePair<string, object?>("registry.name", t.Key))), "{record}", "Records the sync owns in each target.");
        meter.CreateObservableGauge("registry.sync.deletes.held", () => _targets.Select(static t => new Measurement<int>(t.Value.Held, new KeyValuePair<string, object?>("registry.name", t.Key))), "{record}", "Deletes held back by the delete-ratio guard or a source without a first snapshot.");
        meter.CreateObservableGauge("registry.sync.leader", () => _leader, null, "1 while this replica leads (or runs without leader election).");
    }

    public void Wrote(string target, string op, int count, string outcome)
    {
        if (count > 0)
        {
            _writes.Add(count, new KeyValuePair<string, object?>("op", op), new KeyValuePair<string, object?>("registry.name", target), new KeyValuePair<string, object?>("outcome", outcome));
        }
    }

    public void Pass(TimeSpan duration) => _duration.Record(duration.TotalSeconds);

    public void Lag(string target, TimeSpan lag) => _lag.Record(lag.TotalSeconds, new KeyValuePair<string, object?>("registry.name", target));

    public void Target(string target, int owned, int held) => _targets[target] = (owned, held);

    public void Leader(bool leads) => _leader = leads ? 1 : 0;
}
