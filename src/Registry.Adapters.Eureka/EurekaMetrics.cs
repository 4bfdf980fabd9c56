using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Registry.Adapters.Eureka;

/// <summary>The Eureka registry's instruments: the shared <see cref="RegistryMetrics"/>, fetches tagged full or delta.</summary>
internal sealed class EurekaMetrics(IMeterFactory? meterFactory, string registryName)
{
    private readonly RegistryMetrics _shared = new(meterFactory, registryName, EurekaRegistryProvider.KindName);

    public void Fetched(long startTimestamp, bool full) =>
        _shared.RecordSync(Stopwatch.GetElapsedTime(startTimestamp), _shared.Tags("eureka.fetch", full ? "full" : "delta"));

    public void Failed() => _shared.Error();

    public void Resynced() => _shared.Resync();
}
