using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Registry.Adapters.Eureka;

/// <summary>The Eureka registry's instruments on the shared <c>Registry.Adapters</c> meter (none without an <see cref="IMeterFactory"/>).</summary>
internal sealed class EurekaMetrics
{
    private readonly Histogram<double>? _syncDuration;
    private readonly Counter<long>? _errors;
    private readonly Counter<long>? _resyncs;
    private readonly KeyValuePair<string, object?>[] _tags;

    public EurekaMetrics(IMeterFactory? meterFactory, string registryName)
    {
        _tags = [new("registry.name", registryName), new("registry.kind", EurekaRegistryProvider.KindName)];
        if (meterFactory is null)
        {
            return;
        }

        var meter = meterFactory.Create("Registry.Adapters");
        _syncDuration = meter.CreateHistogram<double>("registry.sync.duration", "s", "Duration of one registry fetch (full or delta), including applying it.");
        _errors = meter.CreateCounter<long>("registry.errors", description: "Failed registry fetches.");
        _resyncs = meter.CreateCounter<long>("registry.resyncs", description: "Forced full re-reads (Eureka hash code mismatch, recovery after a failure).");
    }

    public void Fetched(long startTimestamp, bool full)
    {
        if (_syncDuration is null)
        {
            return;
        }

        var tags = new TagList(_tags) { { "eureka.fetch", full ? "full" : "delta" } };
        _syncDuration.Record(Stopwatch.GetElapsedTime(startTimestamp).TotalSeconds, tags);
    }

    public void Failed() => _errors?.Add(1, _tags);

    public void Resynced() => _resyncs?.Add(1, _tags);
}
