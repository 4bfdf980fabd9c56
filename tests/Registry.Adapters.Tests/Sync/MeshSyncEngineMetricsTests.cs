using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Time.Testing;
using Registry.Adapters.Sync;
using Registry.Adapters.Tests.Registries;
using Shouldly;
using Xunit;
using static Registry.Adapters.Tests.Catalog.CatalogTestKit;
using TestMeterFactory = Registry.Adapters.Tests.Catalog.MeshCatalogMetricsTests.TestMeterFactory;

namespace Registry.Adapters.Tests.Sync;

/// <summary>The sync's metrics (<c>registry.sync.*</c>) and its token-bucket write limit, on a fake clock.</summary>
public sealed class MeshSyncEngineMetricsTests : IDisposable
{
    private readonly CatalogFile _file = new();

    public void Dispose() => _file.Dispose();

    private static ServiceInstance[] Many(string service, int count, int offset = 0) =>
        [.. Enumerable.Range(offset, count).Select(i => Instance(service, $"{service}-{i}", $"10.0.{i / 200}.{(i % 200) + 1}", 8000 + i))];

    private TimedWriter Target(FakeTimeProvider time) => new(new FileRegistry("target", new FileRegistryOptions { Path = _file.Path, UseFileSystemWatcher = false }), time);

    [Fact]
    public async Task RunOnceAsync_Metrics_WritesByOpTargetOutcome_Duration_Owned_HeldDeletes_Lag()
    {
        var orders = Many("orders", 4);
        var (catalog, time) = CreateWith(null, ("eureka", orders));
        using var factory = new TestMeterFactory();
        using var writes = new MetricCollector<long>(factory, "Registry.Adapters", "registry.sync.writes");
        using var duration = new MetricCollector<double>(factory, "Registry.Adapters", "registry.sync.reconcile.duration");
        using var owned = new MetricCollector<int>(factory, "Registry.Adapters", "registry.sync.owned");
        using var held = new MetricCollector<int>(factory, "Registry.Adapters", "registry.sync.deletes.held");
        using var lag = new MetricCollector<double>(factory, "Registry.Adapters", "registry.sync.lag");
        var options = new SyncOptions();
        options.To.Add("target");
        using var engine = new MeshSyncEngine(catalog, [Target(time)], options, timeProvider: time, meterFactory: factory);

        await engine.RunOnceAsync();
        lag.GetMeasurementSnapshot().ShouldBeEmpty("no catalog change since the engine started: nothing to measure the lag from");

        // A source change, mirrored 2.5 s later (by the fake clock).
        catalog.Apply("eureka", Change("orders", [.. orders[..3], orders[3] with { Ports = [new ServicePort("http", 9999, "http")] }]));
        time.Advance(TimeSpan.FromSeconds(2.5));
        await engine.RunOnceAsync();

        // 3 of the 4 owned records gone at once: more than MaxDeleteRatio 0.5, held.
        catalog.Apply("eureka", Change("orders", orders[0]));
        var third = await engine.RunOnceAsync();

        third.Targets[0].HeldDeletes.ShouldBe(3);
        writes.GetMeasurementSnapshot().Select(static m => (m.Tags["op"], m.Tags["registry.name"], m.Tags["outcome"], m.Value))
            .ShouldBe([("create", "target", "ok", 4L), ("update", "target", "ok", 1L)]);
        duration.GetMeasurementSnapshot().Count.ShouldBe(3, "one duration per pass");
        owned.RecordObservableInstruments();
        owned.LastMeasurement!.Value.ShouldBe(4);
        owned.LastMeasurement.Tags["registry.name"].ShouldBe("target");
        held.RecordObservableInstruments();
        held.LastMeasurement!.Value.ShouldBe(3);
        var measured = lag.GetMeasurementSnapshot().ShouldHaveSingleItem("only the pass that mirrored a change and wrote measures lag");
        measured.Value.ShouldBe(2.5);
        measured.Tags["registry.name"].ShouldBe("target");
    }

    [Fact]
    public async Task RunOnceAsync_MaxWritesPerSecond_TokenBucketPacesTheWritesOnTheClock()
    {
        // 10 services of 5 instances, batches of one service: 10 batches of 5 writes at 10 writes/s, one second of burst.
        var (catalog, time) = CreateWith(null, ("eureka", [.. Enumerable.Range(0, 10).SelectMany(s => Many($"svc{s}", 5, s * 10))]));
        var target = Target(time);
        var options = new SyncOptions { MaxWritesPerSecond = 10, BatchSize = 5 };
        options.To.Add("target");
        using var engine = new MeshSyncEngine(catalog, [target], options, timeProvider: time);
        var start = time.GetUtcNow();

        var pass = engine.RunOnceAsync();
        for (var step = 0; !pass.IsCompleted && step < 1000; step++)
        {
            // The clock moves only here, 100 ms at a time: the bucket's waits end only as the fake clock passes them.
            time.Advance(TimeSpan.FromMilliseconds(100));
            await Task.Delay(1);
        }

        (await pass).Writes.ShouldBe(50);
        target.Calls.Count.ShouldBe(10);
        var written = 0;
        foreach (var (at, count) in target.Calls)
        {
            written += count;
            var elapsed = (at - start).TotalSeconds;
            written.ShouldBeLessThanOrEqualTo(10 + (int)Math.Floor(10 * elapsed + 1e-9), $"{written} writes by {elapsed:0.0} s exceed the burst (10) plus 10 per second");
        }

        (target.Calls[^1].At - start).ShouldBeGreaterThanOrEqualTo(TimeSpan.FromSeconds(4), "40 writes past the burst take 4 s at 10/s");
    }

    /// <summary>Wraps a writer and records when (on the fake clock) each batch was applied and how many records it wrote.</summary>
    private sealed class TimedWriter(FileRegistry inner, FakeTimeProvider time) : IServiceRegistryWriter
    {
        public List<(DateTimeOffset At, int Writes)> Calls { get; } = [];

        public string Name => inner.Name;

        public string Kind => inner.Kind;

        public bool TryNormalize(ServiceInstance desired, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out ServiceInstance? stored, [System.Diagnostics.CodeAnalysis.NotNullWhen(false)] out string? reason) =>
            inner.TryNormalize(desired, out stored, out reason);

        public Task<OwnedRecords> ListOwnedAsync(string syncId, CancellationToken cancellationToken = default) => inner.ListOwnedAsync(syncId, cancellationToken);

        public async Task<WriteResult> ApplyAsync(WriteBatch batch, CancellationToken cancellationToken = default)
        {
            var at = time.GetUtcNow();
            var result = await inner.ApplyAsync(batch, cancellationToken);
            lock (Calls)
            {
                Calls.Add((at, result.Writes));
            }

            return result;
        }
    }
}
