using Shouldly;
using Xunit;
using static Registry.Adapters.Tests.Catalog.CatalogTestKit;

namespace Registry.Adapters.Tests.Catalog;

public sealed class MeshCatalogWatchTests
{
    private static readonly TimeSpan Quiet = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan MaxDelay = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);

    private static (MeshCatalog Catalog, Microsoft.Extensions.Time.Testing.FakeTimeProvider Time) CreateWatched() =>
        CreateWith(
            o =>
            {
                o.ChangeQuietPeriod = Quiet;
                o.ChangeMaxDelay = MaxDelay;
            },
            ("consul", [Instance("orders", "o-1")]));

    [Fact]
    public async Task WatchAsync_ChangeThenQuietPeriod_OneBatchWithRevision()
    {
        var (catalog, time) = CreateWatched();
        await using var watch = catalog.WatchAsync().GetAsyncEnumerator();
        var next = watch.MoveNextAsync();

        catalog.Apply("consul", Change("billing", Instance("billing", "b-1")));
        time.Advance(Quiet - TimeSpan.FromMilliseconds(1));
        next.IsCompleted.ShouldBeFalse();
        time.Advance(TimeSpan.FromMilliseconds(1));

        (await next.AsTask().WaitAsync(Wait)).ShouldBeTrue();
        watch.Current.Revision.ShouldBe(catalog.Current.Revision);
        var change = watch.Current.Changes.ShouldHaveSingleItem();
        change.Kind.ShouldBe(MeshChangeKind.Added);
        change.Service.Name.ShouldBe("billing");
        change.Service.Instances.Ids().ShouldBe(["consul:b-1"]);
    }

    [Fact]
    public async Task WatchAsync_ContinuousChanges_DeliveredAtMaxDelay()
    {
        var (catalog, time) = CreateWatched();
        await using var watch = catalog.WatchAsync().GetAsyncEnumerator();
        var next = watch.MoveNextAsync();

        // A change every half quiet period: the catalog is never quiet, so only the maximum delay (20 steps) delivers.
        for (var i = 0; i < 20; i++)
        {
            next.IsCompleted.ShouldBeFalse($"after {i} steps");
            catalog.Apply("consul", Change("orders", Instance("orders", "o-1", port: 8000 + i)));
            time.Advance(Quiet / 2);
        }

        (await next.AsTask().WaitAsync(Wait)).ShouldBeTrue();
        var change = watch.Current.Changes.ShouldHaveSingleItem();
        change.Kind.ShouldBe(MeshChangeKind.Updated);
        change.Service.Instances[0].Instance.Ports[0].Port.ShouldBe(8019);
    }

    [Fact]
    public async Task WatchAsync_NetEffect_AddedThenRemovedIsNothingRemovedThenAddedIsUpdated()
    {
        var (catalog, time) = CreateWatched();
        await using var watch = catalog.WatchAsync().GetAsyncEnumerator();
        var next = watch.MoveNextAsync();

        catalog.Apply("consul", Change("billing", Instance("billing", "b-1")));
        catalog.Apply("consul", Change("billing"));
        catalog.Apply("consul", Change("orders"));
        catalog.Apply("consul", Change("orders", Instance("orders", "o-2")));
        catalog.Apply("consul", Change("zeta", Instance("zeta", "z-1")));
        catalog.Apply("consul", Change("alpha", Instance("alpha", "a-1")));
        time.Advance(Quiet);

        (await next.AsTask().WaitAsync(Wait)).ShouldBeTrue();
        watch.Current.Changes.Select(static c => (c.Service.Name, c.Kind)).ShouldBe(
            [("alpha", MeshChangeKind.Added), ("orders", MeshChangeKind.Updated), ("zeta", MeshChangeKind.Added)]);
        watch.Current.Changes[1].Service.Instances.Ids().ShouldBe(["consul:o-2"]);
    }

    [Fact]
    public async Task WatchAsync_Removed_ServiceNamedWithNoInstances()
    {
        var (catalog, time) = CreateWatched();
        await using var watch = catalog.WatchAsync().GetAsyncEnumerator();
        var next = watch.MoveNextAsync();

        catalog.Apply("consul", Change("orders"));
        time.Advance(Quiet);

        (await next.AsTask().WaitAsync(Wait)).ShouldBeTrue();
        var change = watch.Current.Changes.ShouldHaveSingleItem();
        change.Kind.ShouldBe(MeshChangeKind.Removed);
        change.Service.Name.ShouldBe("orders");
        change.Service.Instances.IsEmpty.ShouldBeTrue();
    }

    [Fact]
    public async Task WatchAsync_ChangesBeforeFirstMoveNext_NotMissed()
    {
        var (catalog, time) = CreateWatched();
        var watchable = catalog.WatchAsync();

        catalog.Apply("consul", Change("billing", Instance("billing", "b-1")));
        time.Advance(Quiet);
        await using var watch = watchable.GetAsyncEnumerator();

        (await watch.MoveNextAsync().AsTask().WaitAsync(Wait)).ShouldBeTrue();
        watch.Current.Changes.ShouldHaveSingleItem().Service.Name.ShouldBe("billing");
    }

    [Fact]
    public async Task WatchAsync_TwoWatchers_SlowOneDoesNotBlockApplyAndGetsCoalescedBacklog()
    {
        var (catalog, time) = CreateWatched();
        await using var fast = catalog.WatchAsync().GetAsyncEnumerator();
        await using var slow = catalog.WatchAsync().GetAsyncEnumerator();

        for (var round = 0; round < 3; round++)
        {
            var next = fast.MoveNextAsync();
            catalog.Apply("consul", Change("orders", Instance("orders", "o-1", port: 9000 + round)));
            time.Advance(Quiet);
            (await next.AsTask().WaitAsync(Wait)).ShouldBeTrue();
            fast.Current.Changes.ShouldHaveSingleItem().Service.Instances[0].Instance.Ports[0].Port.ShouldBe(9000 + round);
        }

        (await slow.MoveNextAsync().AsTask().WaitAsync(Wait)).ShouldBeTrue();
        var change = slow.Current.Changes.ShouldHaveSingleItem();
        change.Service.Instances[0].Instance.Ports[0].Port.ShouldBe(9002);
        slow.Current.Revision.ShouldBe(catalog.Current.Revision);
    }

    [Fact]
    public async Task WatchAsync_Cancelled_EndsEnumeration()
    {
        var (catalog, _) = CreateWatched();
        using var cts = new CancellationTokenSource();
        await using var watch = catalog.WatchAsync(cts.Token).GetAsyncEnumerator(cts.Token);
        var next = watch.MoveNextAsync();

        await cts.CancelAsync();

        await Should.ThrowAsync<OperationCanceledException>(next.AsTask().WaitAsync(Wait));
    }

    [Fact]
    public async Task WatchAsync_CatalogDisposed_EndsEnumeration()
    {
        var (catalog, _) = CreateWatched();
        await using var watch = catalog.WatchAsync().GetAsyncEnumerator();
        var next = watch.MoveNextAsync();

        catalog.Dispose();

        (await next.AsTask().WaitAsync(Wait)).ShouldBeFalse();
    }

    [Fact]
    public async Task WaitForInitialSyncAsync_NoRegistries_TrueAtOnce()
    {
        var (catalog, _) = Create();

        (await catalog.WaitForInitialSyncAsync().WaitAsync(Wait)).ShouldBeTrue();
    }

    [Fact]
    public async Task WaitForInitialSyncAsync_AllReady_True()
    {
        var (catalog, _) = Create();
        catalog.AddRegistry("a", "memory", 0);
        catalog.AddRegistry("b", "memory", 1);
        var wait = catalog.WaitForInitialSyncAsync();

        catalog.Apply("a", Snapshot(Instance("orders", "o-1")));
        wait.IsCompleted.ShouldBeFalse();
        catalog.Apply("b", Snapshot());

        (await wait.WaitAsync(Wait)).ShouldBeTrue();
    }

    [Fact]
    public async Task WaitForInitialSyncAsync_OneFailed_False()
    {
        var (catalog, _) = Create();
        catalog.AddRegistry("a", "memory", 0);
        catalog.AddRegistry("b", "memory", 1);
        var wait = catalog.WaitForInitialSyncAsync();

        catalog.Apply("a", Snapshot(Instance("orders", "o-1")));
        catalog.ReportFailure("b", "connection refused");

        (await wait.WaitAsync(Wait)).ShouldBeFalse();
        catalog.Status("b").State.ShouldBe(RegistryState.Failed);
        catalog.Status("b").Error.ShouldBe("connection refused");
    }

    [Fact]
    public async Task WaitForInitialSyncAsync_NeverSyncs_FalseAfterInitialSyncTimeout()
    {
        var (catalog, time) = Create(o => o.InitialSyncTimeout = TimeSpan.FromSeconds(5));
        catalog.AddRegistry("a", "memory", 0);
        var wait = catalog.WaitForInitialSyncAsync();

        time.Advance(TimeSpan.FromSeconds(4));
        wait.IsCompleted.ShouldBeFalse();
        time.Advance(TimeSpan.FromSeconds(1));

        (await wait.WaitAsync(Wait)).ShouldBeFalse();
    }

    [Fact]
    public async Task WaitForInitialSyncAsync_CallerCancels_Throws()
    {
        var (catalog, _) = Create();
        catalog.AddRegistry("a", "memory", 0);
        using var cts = new CancellationTokenSource();
        var wait = catalog.WaitForInitialSyncAsync(cts.Token);

        await cts.CancelAsync();

        await Should.ThrowAsync<OperationCanceledException>(wait.WaitAsync(Wait));
    }
}
