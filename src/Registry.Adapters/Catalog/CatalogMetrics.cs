using System.Diagnostics.Metrics;

namespace Registry.Adapters;

/// <summary>The catalog's instruments on the <c>Registry.Adapters</c> meter.</summary>
internal sealed class CatalogMetrics
{
    /// <summary>The meter name shared by the packages of Registry.Adapters.</summary>
    public const string MeterName = RegistryMetrics.MeterName;

    private readonly Counter<long> _changes;

    public CatalogMetrics(IMeterFactory factory, IMeshCatalog catalog)
    {
        var meter = factory.Create(MeterName);
        _changes = meter.CreateCounter<long>("registry.catalog.changes", "{service}", "Mesh services added, updated or removed in the catalog.");
        meter.CreateObservableGauge("registry.catalog.services", () => catalog.Current.ServiceCount, "{service}", "Mesh services in the catalog.");
    }

    public void Changed(int services)
    {
        if (services > 0)
        {
            _changes.Add(services);
        }
    }
}
