using System.Diagnostics.CodeAnalysis;
using Registry.Adapters.Sync;
using Registry.Adapters.Testing;
using Registry.Adapters.Tests.Registries;
using Shouldly;
using Xunit;
using static Registry.Adapters.Tests.Catalog.CatalogTestKit;

namespace Registry.Adapters.Tests.Sync;

/// <summary>
/// Issue 11's write budgets, counted: nothing changes → nothing is written, drift repairs included; one change → one
/// instance; a cold sync → one request per <see cref="SyncOptions.BatchSize"/> instances, services split over batches.
/// </summary>
public sealed class MeshSyncEngineBudgetTests : IDisposable
{
    private readonly CatalogFile _file = new();

    public void Dispose() => _file.Dispose();

    private static ServiceInstance[] Many(string service, int count) =>
        [.. Enumerable.Range(0, count).Select(i => Instance(service, $"{service}-{i}", $"10.1.{i / 200}.{(i % 200) + 1}", 8000 + i))];

    [Fact]
    public async Task RunOnceAsync_TenIdleMinutesWithDriftRepairs_ZeroWritesThenOneChangeWritesOneInstance()
    {
        var (catalog, time) = CreateWith(null, ("eureka", [.. Many("orders", 40), .. Many("billing", 25)]), ("consul", Many("search", 30)));
        var target = new CountingWriter(new FileRegistry("target", new FileRegistryOptions { Path = _file.Path, UseFileSystemWatcher = false }));
        var options = new SyncOptions { Resync = TimeSpan.FromMinutes(5) };
        options.To.Add("target");
        using var engine = new MeshSyncEngine(catalog, [target], options, timeProvider: time);

        var cold = await engine.RunOnceAsync();
        cold.Writes.ShouldBe(95);
        var listsAfterCold = target.Lists;

        // Ten simulated minutes, a pass every minute as the loop makes on a wake-up; the 5th and 10th are drift repairs.
        var idle = new List<SyncPassResult>();
        for (var minute = 1; minute <= 10; minute++)
        {
            time.Advance(TimeSpan.FromMinutes(1));
            idle.Add(await engine.RunOnceAsync());
        }

        target.Lists.ShouldBe(listsAfterCold + 2, "a drift repair at minute 5 and one at minute 10 list the target again");
        idle.Sum(static p => p.Writes).ShouldBe(0);
        idle.Sum(static p => p.Requests).ShouldBe(0);
        target.Applies.ShouldBe(1, "only the cold pass wrote");

        var changed = Many("orders", 40);
        changed[17] = changed[17] with { Ports = [new ServicePort("http", 9999, "http")] };
        catalog.Apply("eureka", Change("orders", changed));
        var one = await engine.RunOnceAsync();

        one.Writes.ShouldBe(1);
        one.Targets[0].Updates.ShouldHaveSingleItem().Id.ShouldBe("orders-17");
        one.Targets[0].Creates.ShouldBeEmpty();
        one.Targets[0].Deletes.ShouldBeEmpty();
        target.Applies.ShouldBe(2);
        target.LastBatch.ShouldNotBeNull().Services.Keys.ShouldBe(["orders"]);
        var owned = (await target.ListOwnedAsync(SyncMetadata.DefaultSyncId)).Services;
        owned["orders"].Single(i => i.Id == "orders-17").Ports[0].Port.ShouldBe(9999);
        owned.Values.Sum(static s => s.Count).ShouldBe(95);
    }

    [Fact]
    public async Task RunAsync_TenIdleSimulatedMinutes_DriftRepairsWriteNothing()
    {
        var (catalog, time) = CreateWith(null, ("eureka", Many("orders", 50)));
        var target = new CountingWriter(new FileRegistry("target", new FileRegistryOptions { Path = _file.Path, UseFileSystemWatcher = false }));
        var options = new SyncOptions { Resync = TimeSpan.FromMinutes(5) };
        options.To.Add("target");
        using var engine = new MeshSyncEngine(catalog, [target], options, timeProvider: time);
        var passes = new List<SyncPassResult>();
        engine.PassCompleted = pass =>
        {
            lock (passes)
            {
                passes.Add(pass);
            }
        };
        using var stop = new CancellationTokenSource();
        var loop = Task.Run(() => engine.RunAsync(stop.Token));
        await Poll.UntilAsync(() => Task.FromResult(target.Applies == 1), "the cold pass");
        var lists = target.Lists;

        // Step the clock (the loop sleeps until the next drift repair) until two drift repairs have listed the target again.
        await Poll.UntilAsync(() => Task.FromResult(target.Lists >= lists + 2), "two drift repairs", between: () => time.Advance(TimeSpan.FromSeconds(10)));
        await stop.CancelAsync();
        await loop;
        target.Lists.ShouldBe(lists + 2);
        (time.GetUtcNow() - Start).ShouldBeGreaterThanOrEqualTo(TimeSpan.FromMinutes(10));
        target.Applies.ShouldBe(1, "the drift repairs found nothing to write");
        lock (passes)
        {
            passes[0].Writes.ShouldBe(50);
            passes.Skip(1).Sum(static p => p.Writes).ShouldBe(0);
            passes.Count.ShouldBe(3, "the cold pass and two drift repairs; nothing else woke the loop");
        }
    }

    [Fact]
    public async Task RunOnceAsync_ServicesLargerThanWhatIsLeftOfABatch_SplitSoEveryBatchIsFull()
    {
        var (catalog, _) = CreateWith(null, ("eureka", [.. Many("orders", 100), .. Many("billing", 100), .. Many("search", 100)]));
        var target = new CountingWriter(new FileRegistry("target", new FileRegistryOptions { Path = _file.Path, UseFileSystemWatcher = false }));
        var options = new SyncOptions { BatchSize = 128, MaxDeleteRatio = 1 };
        options.To.Add("target");
        using var engine = new MeshSyncEngine(catalog, [target], options);

        var cold = await engine.RunOnceAsync();

        cold.Writes.ShouldBe(300);
        target.Applies.ShouldBe(3, "300 instance writes in batches of 128: 128 + 128 + 44");
        target.Written.ShouldBe([128, 128, 44]);
        var owned = (await target.ListOwnedAsync(SyncMetadata.DefaultSyncId)).Services;
        owned.Keys.Order().ShouldBe(["billing", "orders", "search"]);
        owned.Values.ShouldAllBe(s => s.Count == 100);
        (await engine.RunOnceAsync()).Writes.ShouldBe(0);

        // 60 of each service's 100 go away: 180 deletes, split over two batches, and nothing else is touched.
        catalog.Apply("eureka", Snapshot(true, [.. Many("orders", 40), .. Many("billing", 40), .. Many("search", 40)]));
        var shrink = await engine.RunOnceAsync();

        shrink.Targets[0].Deletes.Count.ShouldBe(180);
        target.Written.Skip(3).ShouldBe([128, 52]);
        owned = (await target.ListOwnedAsync(SyncMetadata.DefaultSyncId)).Services;
        owned.Values.ShouldAllBe(s => s.Count == 40);
        owned["search"].Select(static i => i.Id).Order().ShouldBe(Many("search", 40).Select(static i => i.Id).Order());
        (await engine.RunOnceAsync()).Writes.ShouldBe(0);
    }

    [Fact]
    public async Task RunOnceAsync_OneServiceChanged_OnlyItsInstancesAreNormalizedAgain()
    {
        var (catalog, _) = CreateWith(null, ("eureka", [.. Many("orders", 40), .. Many("billing", 25)]), ("consul", Many("search", 30)));
        var target = new CountingWriter(new FileRegistry("target", new FileRegistryOptions { Path = _file.Path, UseFileSystemWatcher = false }));
        var options = new SyncOptions();
        options.To.Add("target");
        using var engine = new MeshSyncEngine(catalog, [target], options);
        (await engine.RunOnceAsync()).Writes.ShouldBe(95);
        target.Normalized.ShouldBe(95);

        (await engine.RunOnceAsync()).Writes.ShouldBe(0);
        target.Normalized.ShouldBe(95, "no mesh service changed: the last pass's instances are reused");

        var changed = Many("billing", 25);
        changed[3] = changed[3] with { Health = HealthStatus.Unhealthy };
        catalog.Apply("eureka", Change("billing", changed));
        var one = await engine.RunOnceAsync();

        one.Writes.ShouldBe(1);
        target.Normalized.ShouldBe(95 + 25, "only the changed service is derived again");
        (await target.ListOwnedAsync(SyncMetadata.DefaultSyncId)).Services["billing"].Single(i => i.Id == "billing-3").Health.ShouldBe(HealthStatus.Unhealthy);
    }

    /// <summary>Counts what the engine asks of the target.</summary>
    private sealed class CountingWriter(FileRegistry inner) : IServiceRegistryWriter
    {
        private int _lists;
        private int _applies;
        private int _normalized;

        public int Lists => Volatile.Read(ref _lists);

        public int Applies => Volatile.Read(ref _applies);

        public WriteBatch? LastBatch { get; private set; }

        public string Name => inner.Name;

        public string Kind => inner.Kind;

        public int Normalized => Volatile.Read(ref _normalized);

        public bool TryNormalize(ServiceInstance desired, [NotNullWhen(true)] out ServiceInstance? stored, [NotNullWhen(false)] out string? reason)
        {
            Interlocked.Increment(ref _normalized);
            return inner.TryNormalize(desired, out stored, out reason);
        }

        public Task<OwnedRecords> ListOwnedAsync(string syncId, CancellationToken cancellationToken = default)
        {
            Interlocked.Increment(ref _lists);
            return inner.ListOwnedAsync(syncId, cancellationToken);
        }

        /// <summary>Instances written by each <see cref="ApplyAsync"/>.</summary>
        public List<int> Written { get; } = [];

        public async Task<WriteResult> ApplyAsync(WriteBatch batch, CancellationToken cancellationToken = default)
        {
            Interlocked.Increment(ref _applies);
            LastBatch = batch;
            var result = await inner.ApplyAsync(batch, cancellationToken);
            Written.Add(result.Writes);
            return result;
        }
    }
}
