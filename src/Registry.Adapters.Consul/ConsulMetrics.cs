using System.Diagnostics.Metrics;

namespace Registry.Adapters.Consul;

/// <summary>The Consul registry's instruments: the shared <see cref="RegistryMetrics"/> plus <c>registry.consul.queries</c>.</summary>
internal sealed class ConsulMetrics
{
    private readonly RegistryMetrics _shared;
    private readonly Counter<long>? _queries;

    public ConsulMetrics(IMeterFactory? meterFactory, string registryName)
    {
        _shared = new RegistryMetrics(meterFactory, registryName, ConsulRegistryProvider.KindName);
        _queries = _shared.Meter?.CreateCounter<long>("registry.consul.queries", description: "Consul queries made by watches (plain and blocking).");
    }

    public void FullRead(long startTimestamp) => _shared.RecordSync(startTimestamp);

    public void Failed() => _shared.Error();

    public void Resynced() => _shared.Resync();

    public void Queried(bool blocking) => _queries?.Add(1, _shared.Tags("consul.blocking", blocking));
}
