using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Registry.Adapters.Consul.Tests.Fake;
using Registry.Adapters.Testing;
using Shouldly;
using Xunit;

namespace Registry.Adapters.Consul.Tests;

public sealed class ConsulMetricsTests
{
    [Fact]
    public async Task Watch_ResyncAndQueries_AreCountedOnTheSharedMeter()
    {
        var name = "metrics-" + Guid.NewGuid().ToString("N");
        var counts = new ConcurrentDictionary<string, long>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == "Registry.Adapters")
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
        {
            foreach (var tag in tags)
            {
                if (tag.Key == "registry.name" && Equals(tag.Value, name))
                {
                    counts.AddOrUpdate(instrument.Name, value, (_, n) => n + value);
                }
            }
        });
        listener.Start();
        await using var services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        await using var fake = await FakeConsulServer.StartAsync();
        fake.PutService("n1", "10.6.0.1", new FakeServiceSpec("web-1", "web") { Port = 80 });
        var settings = ConsulSettings.Create(ConsulTestSupport.Options(fake), "Consul");
        await using var registry = new ConsulServiceRegistry(name, settings, NullLoggerFactory.Instance, TimeProvider.System, services.GetRequiredService<IMeterFactory>());
        await using var recorder = new WatchRecorder(registry);
        await recorder.WaitForViewAsync(v => v.ContainsKey("web"), TimeSpan.FromSeconds(15), "web");

        fake.ResetIndex();
        await recorder.WaitForEventAsync<RegistrySnapshotEvent>(s => s.IsResync, TimeSpan.FromSeconds(15), "resync");

        counts.GetValueOrDefault("registry.resyncs").ShouldBe(1);
        counts.GetValueOrDefault("registry.consul.queries").ShouldBeGreaterThanOrEqualTo(3);
        counts.GetValueOrDefault("registry.errors").ShouldBe(0);
    }
}
