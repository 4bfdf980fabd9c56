using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Registry.Adapters.Consul;

/// <summary>The Consul registry's instruments on the shared <c>Registry.Adapters</c> meter (none without an <see cref="IMeterFactory"/>).</summary>
internal sealed class ConsulMetrics
{
    private readonly Histogram<double>? _syncDuration;
    private readonly Counter<long>? _errors;
    private readonly Counter<long>? _resyncs;
    private readonly Counter<long>? _queries;
    private readonly KeyValuePair<string, object?>[] _tags;

    public ConsulMetrics(IMeterFactory? meterFactory, string registryName)
    {
        _tags = [new("registry.name", registryName), new("registry.kind", ConsulRegistryProvider.KindName)];
        if (meterFactory is null)
        {
            return;
        }

        var meter = meterFactory.Create("Registry.Adapters");
        _syncDuration = meter.CreateHistogram<double>("registry.sync.duration", "s", "Duration of a full read (catalog and every service).");
        _errors = meter.CreateCounter<long>("registry.errors", description: "Failed registry queries.");
        _resyncs = meter.CreateCounter<long>("registry.resyncs", description: "Full re-reads forced by a Consul index going backwards.");
        _queries = meter.CreateCounter<long>("registry.consul.queries", description: "Consul queries made by watches (plain and blocking).");
    }

    public void FullRead(long startTimestamp) => _syncDuration?.Record(Stopwatch.GetElapsedTime(startTimestamp).TotalSeconds, _tags);

    public void Failed() => _errors?.Add(1, _tags);

    public void Resynced() => _resyncs?.Add(1, _tags);

    public void Queried(bool blocking)
    {
        if (_queries is not null)
        {
            _queries.Add(1, new TagList(_tags) { { "consul.blocking", blocking } });
        }
    }
}
