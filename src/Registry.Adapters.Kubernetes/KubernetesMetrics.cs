using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Registry.Adapters.Kubernetes;

/// <summary>The Kubernetes registry's instruments on the shared <c>Registry.Adapters</c> meter (none without an <see cref="IMeterFactory"/>).</summary>
internal sealed class KubernetesMetrics
{
    private readonly Histogram<double>? _syncDuration;
    private readonly Counter<long>? _errors;
    private readonly Counter<long>? _resyncs;
    private readonly Counter<long>? _events;
    private readonly KeyValuePair<string, object?>[] _tags;

    public KubernetesMetrics(IMeterFactory? meterFactory, string registryName)
    {
        _tags = [new("registry.name", registryName), new("registry.kind", KubernetesRegistryProvider.KindName)];
        if (meterFactory is null)
        {
            return;
        }

        var meter = meterFactory.Create("Registry.Adapters");
        _syncDuration = meter.CreateHistogram<double>("registry.sync.duration", "s", "Duration of one full (paged) list of a resource.");
        _errors = meter.CreateCounter<long>("registry.errors", description: "Failed list or watch requests.");
        _resyncs = meter.CreateCounter<long>("registry.resyncs", description: "Relists forced by an expired resourceVersion (410 Gone).");
        _events = meter.CreateCounter<long>("registry.watch.events", description: "Watch events received (ADDED, MODIFIED, DELETED, BOOKMARK).");
    }

    public void Listed(TimeSpan duration, string resource)
    {
        if (_syncDuration is not null)
        {
            _syncDuration.Record(duration.TotalSeconds, new TagList(_tags) { { "k8s.resource", resource } });
        }
    }

    public void Failed(string resource)
    {
        if (_errors is not null)
        {
            _errors.Add(1, new TagList(_tags) { { "k8s.resource", resource } });
        }
    }

    public void Resynced(string resource)
    {
        if (_resyncs is not null)
        {
            _resyncs.Add(1, new TagList(_tags) { { "k8s.resource", resource } });
        }
    }

    public void Event(string resource)
    {
        if (_events is not null)
        {
            _events.Add(1, new TagList(_tags) { { "k8s.resource", resource } });
        }
    }
}
