using System.Diagnostics.Metrics;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Time.Testing;
using Shouldly;
using Xunit;
using static Registry.Adapters.Tests.Catalog.CatalogTestKit;

namespace Registry.Adapters.Tests.Catalog;

public sealed class MeshCatalogMetricsTests
{
    [Fact]
    public void Apply_WithMeterFactory_CountsChangedServicesAndObservesServiceCount()
    {
        using var factory = new TestMeterFactory();
        using var catalog = new MeshCatalog(new MeshOptions(), new FakeTimeProvider(Start), meterFactory: factory);
        using var changes = new MetricCollector<long>(factory, "Registry.Adapters", "registry.catalog.changes");
        using var services = new MetricCollector<int>(factory, "Registry.Adapters", "registry.catalog.services");
        catalog.AddRegistry("consul", "consul", 0);

        catalog.Apply("consul", Snapshot(Instance("orders", "o-1"), Instance("billing", "b-1")));
        catalog.Apply("consul", Change("orders"));

        changes.GetMeasurementSnapshot().Select(static m => m.Value).ShouldBe([2L, 1L]);
        services.RecordObservableInstruments();
        services.LastMeasurement!.Value.ShouldBe(1);
    }

    internal sealed class TestMeterFactory : IMeterFactory
    {
        private readonly List<Meter> _meters = [];

        public Meter Create(MeterOptions options)
        {
            var meter = new Meter(options.Name, options.Version, options.Tags, this);
            _meters.Add(meter);
            return meter;
        }

        public void Dispose()
        {
            foreach (var meter in _meters)
            {
                meter.Dispose();
            }
        }
    }
}
