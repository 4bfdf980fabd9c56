using System.Diagnostics.Metrics;

namespace Registry.Adapters.Kubernetes;

/// <summary>The Kubernetes registry's instruments: the shared <see cref="RegistryMetrics"/>, tagged by resource, plus <c>registry.watch.events</c>.</summary>
internal sealed class KubernetesMetrics
{
    private const string ResourceTag = "k8s.resource";
    private readonly RegistryMetrics _shared;
    private readonly Counter<long>? _events;

    public KubernetesMetrics(IMeterFactory? meterFactory, string registryName)
    {
        _shared = new RegistryMetrics(meterFactory, registryName, KubernetesRegistryProvider.KindName);
        _events = _shared.Meter?.CreateCounter<long>("registry.watch.events", description: "Watch events received (ADDED, MODIFIED, DELETED, BOOKMARK).");
    }

    public void Listed(TimeSpan duration, string resource) => _shared.RecordSync(duration, _shared.Tags(ResourceTag, resource));

    public void Failed(string resource) => _shared.Error(_shared.Tags(ResourceTag, resource));

    public void Resynced(string resource) => _shared.Resync(_shared.Tags(ResourceTag, resource));

    public void Event(string resource) => _events?.Add(1, _shared.Tags(ResourceTag, resource));
}
