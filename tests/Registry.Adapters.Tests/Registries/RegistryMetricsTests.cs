using System.Diagnostics;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Registry.Adapters.Tests.Catalog;
using Shouldly;
using Xunit;

namespace Registry.Adapters.Tests.Registries;

public sealed class RegistryMetricsTests
{
    [Fact]
    public void Record_WithMeterFactory_TagsNameKindAndExtra()
    {
        using var factory = new MeshCatalogMetricsTests.TestMeterFactory();
        using var errors = new MetricCollector<long>(factory, RegistryMetrics.MeterName, "registry.errors");
        using var resyncs = new MetricCollector<long>(factory, RegistryMetrics.MeterName, "registry.resyncs");
        using var durations = new MetricCollector<double>(factory, RegistryMetrics.MeterName, "registry.sync.duration");
        var metrics = new RegistryMetrics(factory, "cf", "consul");

        metrics.Error();
        metrics.Resync(metrics.Tags("k8s.resource", "services"));
        metrics.RecordSync(Stopwatch.GetTimestamp());

        var error = errors.GetMeasurementSnapshot().ShouldHaveSingleItem();
        error.Value.ShouldBe(1);
        error.Tags["registry.name"].ShouldBe("cf");
        error.Tags["registry.kind"].ShouldBe("consul");
        resyncs.GetMeasurementSnapshot().ShouldHaveSingleItem().Tags["k8s.resource"].ShouldBe("services");
        durations.GetMeasurementSnapshot().ShouldHaveSingleItem().Value.ShouldBeGreaterThanOrEqualTo(0);
        metrics.Meter.ShouldNotBeNull();
    }

    [Fact]
    public void Record_WithoutMeterFactory_RecordsNothingAndHasNoMeter()
    {
        var metrics = new RegistryMetrics(null, "cf", "consul");

        metrics.Error();
        metrics.Resync();
        metrics.RecordSync(Stopwatch.GetTimestamp());

        metrics.Meter.ShouldBeNull();
    }
}
