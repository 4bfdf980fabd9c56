using Shouldly;
using Xunit;
using static Registry.Adapters.Tests.Catalog.CatalogTestKit;

namespace Registry.Adapters.Tests.Catalog;

public sealed class MeshCatalogStateTests
{
    private static readonly RegistryStateEvent Retrying = new(RegistryConnectionState.Retrying, "connection refused", TimeSpan.FromSeconds(1));
    private static readonly RegistryStateEvent Connected = new(RegistryConnectionState.Connected);

    [Fact]
    public void AddRegistry_BeforeFirstSnapshot_Syncing()
    {
        var (catalog, _) = Create();

        catalog.AddRegistry("consul", "consul", 0);

        catalog.Status("consul").State.ShouldBe(RegistryState.Syncing);
    }

    [Fact]
    public void Apply_RetryingAfterSync_StaleKeepsInstancesMarkedWithTimeAndError()
    {
        var (catalog, time) = CreateWith(null, ("consul", [Instance("orders", "o-1")]), ("eureka", [Instance("users", "u-1")]));
        time.Advance(TimeSpan.FromMinutes(5));

        catalog.Apply("consul", Retrying);

        var status = catalog.Status("consul");
        status.State.ShouldBe(RegistryState.Stale);
        status.Error.ShouldBe("connection refused");
        status.Since.ShouldBe(Start + TimeSpan.FromMinutes(5));
        var instance = catalog.Resolve("orders").ShouldHaveSingleItem();
        instance.Stale.ShouldBeTrue();
        instance.Instance.Id.ShouldBe("o-1");
        catalog.Resolve("users").ShouldHaveSingleItem().Stale.ShouldBeFalse();
        catalog.Status("eureka").State.ShouldBe(RegistryState.Ready);
    }

    [Fact]
    public void Apply_RepeatedRetrying_SinceKeptErrorUpdated()
    {
        var (catalog, time) = CreateWith(null, ("consul", [Instance("orders", "o-1")]));
        catalog.Apply("consul", Retrying);
        time.Advance(TimeSpan.FromMinutes(1));

        catalog.Apply("consul", new RegistryStateEvent(RegistryConnectionState.Failed, "403 forbidden"));

        var status = catalog.Status("consul");
        status.State.ShouldBe(RegistryState.Stale);
        status.Since.ShouldBe(Start);
        status.Error.ShouldBe("403 forbidden");
    }

    [Fact]
    public void Apply_FailureBeforeFirstSync_Failed()
    {
        var (catalog, time) = Create();
        catalog.AddRegistry("consul", "consul", 0);

        catalog.Apply("consul", Retrying);

        var status = catalog.Status("consul");
        status.State.ShouldBe(RegistryState.Failed);
        status.Error.ShouldBe("connection refused");
        status.Since.ShouldBe(time.GetUtcNow());
    }

    [Fact]
    public void Apply_SnapshotAfterStale_ReadyAndStaleFlagsCleared()
    {
        var (catalog, _) = CreateWith(null, ("consul", [Instance("orders", "o-1"), Instance("billing", "b-1")]));
        catalog.Apply("consul", Retrying);

        catalog.Apply("consul", Connected);
        catalog.Apply("consul", Snapshot(true, Instance("orders", "o-1"), Instance("billing", "b-1")));

        var status = catalog.Status("consul");
        status.State.ShouldBe(RegistryState.Ready);
        status.Error.ShouldBeNull();
        status.Since.ShouldBeNull();
        catalog.Current.GetServices().SelectMany(static s => s.Instances).ShouldAllBe(static i => !i.Stale);
    }

    [Fact]
    public void Apply_ServiceChangeWhileStale_RecoversWholeRegistry()
    {
        var (catalog, _) = CreateWith(null, ("consul", [Instance("orders", "o-1"), Instance("billing", "b-1")]));
        catalog.Apply("consul", Retrying);

        catalog.Apply("consul", Change("orders", Instance("orders", "o-2")));

        catalog.Status("consul").State.ShouldBe(RegistryState.Ready);
        catalog.Resolve("billing").ShouldHaveSingleItem().Stale.ShouldBeFalse();
        catalog.Resolve("orders").Ids().ShouldBe(["consul:o-2"]);
    }

    [Fact]
    public void Apply_StaleThenRecover_RevisionMovesAndWatchersSeeUpdates()
    {
        var (catalog, _) = CreateWith(null, ("consul", [Instance("orders", "o-1")]));
        var revision = catalog.Current.Revision;

        catalog.Apply("consul", Retrying);
        catalog.Current.Revision.ShouldBe(revision + 1);
        catalog.Apply("consul", Connected);

        catalog.Current.Revision.ShouldBe(revision + 2);
        catalog.Resolve("orders").ShouldHaveSingleItem().Stale.ShouldBeFalse();
    }

    [Fact]
    public void Apply_ConnectedAfterFailedBeforeSync_BackToSyncing()
    {
        var (catalog, _) = Create();
        catalog.AddRegistry("consul", "consul", 0);
        catalog.Apply("consul", Retrying);

        catalog.Apply("consul", Connected);

        catalog.Status("consul").State.ShouldBe(RegistryState.Syncing);
        catalog.Status("consul").Error.ShouldBeNull();
    }

    [Fact]
    public void ReportFailure_AfterSync_Stale()
    {
        var (catalog, _) = CreateWith(null, ("consul", [Instance("orders", "o-1")]));

        catalog.ReportFailure("consul", "watch crashed: IOException");

        catalog.Status("consul").State.ShouldBe(RegistryState.Stale);
        catalog.Status("consul").Error.ShouldBe("watch crashed: IOException");
        catalog.Resolve("orders").ShouldHaveSingleItem().Stale.ShouldBeTrue();
    }

    [Fact]
    public void Eviction_StaleLongerThanConfigured_InstancesRemovedRegistryFailed()
    {
        var (catalog, time) = CreateWith(
            o => o.StaleEvictionAfter = TimeSpan.FromMinutes(10),
            ("consul", [Instance("orders", "o-1")]),
            ("eureka", [Instance("orders", "e-1", host: "10.0.0.2")]));
        catalog.Apply("consul", Retrying);

        time.Advance(TimeSpan.FromMinutes(10) - TimeSpan.FromSeconds(1));
        catalog.Resolve("orders").Ids().ShouldBe(["consul:o-1", "eureka:e-1"]);
        time.Advance(TimeSpan.FromSeconds(1));

        catalog.Resolve("orders").Ids().ShouldBe(["eureka:e-1"]);
        var status = catalog.Status("consul");
        status.State.ShouldBe(RegistryState.Failed);
        status.Instances.ShouldBe(0);
        status.Error.ShouldBe("connection refused");
    }

    [Fact]
    public void Eviction_RecoveredBeforeDeadline_NothingEvicted()
    {
        var (catalog, time) = CreateWith(o => o.StaleEvictionAfter = TimeSpan.FromMinutes(10), ("consul", [Instance("orders", "o-1")]));
        catalog.Apply("consul", Retrying);
        time.Advance(TimeSpan.FromMinutes(5));
        catalog.Apply("consul", Connected);

        time.Advance(TimeSpan.FromMinutes(10));

        catalog.Resolve("orders").ShouldHaveSingleItem().Stale.ShouldBeFalse();
        catalog.Status("consul").State.ShouldBe(RegistryState.Ready);
    }

    [Fact]
    public void Eviction_NotConfigured_StaleKeptIndefinitely()
    {
        var (catalog, time) = CreateWith(null, ("consul", [Instance("orders", "o-1")]));
        catalog.Apply("consul", Retrying);

        time.Advance(TimeSpan.FromDays(30));

        catalog.Resolve("orders").ShouldHaveSingleItem().Stale.ShouldBeTrue();
    }

    [Fact]
    public void Eviction_AfterEvictionSnapshotArrives_ReadyAgain()
    {
        var (catalog, time) = CreateWith(o => o.StaleEvictionAfter = TimeSpan.FromMinutes(1), ("consul", [Instance("orders", "o-1")]));
        catalog.Apply("consul", Retrying);
        time.Advance(TimeSpan.FromMinutes(1));

        catalog.Apply("consul", Snapshot(true, Instance("orders", "o-1")));

        catalog.Status("consul").State.ShouldBe(RegistryState.Ready);
        catalog.Resolve("orders").ShouldHaveSingleItem().Stale.ShouldBeFalse();
    }

    [Fact]
    public void DropGuard_ResyncDroppingTooMuch_HeldBackUntilConfirmed()
    {
        var (catalog, _) = Create(o => o.DropGuardRatio = 0.5);
        catalog.AddRegistry("consul", "consul", 0);
        catalog.Apply("consul", Snapshot(Instance("a", "1"), Instance("b", "2"), Instance("c", "3"), Instance("d", "4")));

        catalog.Apply("consul", Snapshot(true, Instance("a", "1")));

        catalog.Current.ServiceCount.ShouldBe(4);
        catalog.Status("consul").HeldBack.ShouldBeTrue();

        catalog.Apply("consul", Snapshot(true, Instance("a", "1")));

        catalog.Current.GetServices().Select(static s => s.Name).ShouldBe(["a"]);
        catalog.Status("consul").HeldBack.ShouldBeFalse();
    }

    [Fact]
    public void DropGuard_DropWithinRatio_AppliedAtOnce()
    {
        var (catalog, _) = Create(o => o.DropGuardRatio = 0.5);
        catalog.AddRegistry("consul", "consul", 0);
        catalog.Apply("consul", Snapshot(Instance("a", "1"), Instance("b", "2"), Instance("c", "3"), Instance("d", "4")));

        catalog.Apply("consul", Snapshot(true, Instance("a", "1"), Instance("b", "2")));

        catalog.Current.ServiceCount.ShouldBe(2);
        catalog.Status("consul").HeldBack.ShouldBeFalse();
    }

    [Fact]
    public void DropGuard_HeldThenHealthySnapshot_HeldDiscardedNewApplied()
    {
        var (catalog, _) = Create();
        catalog.AddRegistry("consul", "consul", 0, dropGuardRatio: 0.25);
        catalog.Apply("consul", Snapshot(Instance("a", "1"), Instance("b", "2"), Instance("c", "3"), Instance("d", "4")));
        catalog.Apply("consul", Snapshot(true));

        catalog.Apply("consul", Snapshot(true, Instance("a", "1"), Instance("b", "2"), Instance("c", "3"), Instance("e", "5")));

        catalog.Current.GetServices().Select(static s => s.Name).ShouldBe(["a", "b", "c", "e"]);
        catalog.Status("consul").HeldBack.ShouldBeFalse();
    }

    [Fact]
    public void DropGuard_ChangesWhileHeld_AppliedLiveAndHeldAppliedOnceWithinGuard()
    {
        var (catalog, _) = Create(o => o.DropGuardRatio = 0.5);
        catalog.AddRegistry("consul", "consul", 0);
        catalog.Apply("consul", Snapshot(Instance("a", "1"), Instance("b", "2"), Instance("c", "3"), Instance("d", "4")));
        catalog.Apply("consul", Snapshot(true));

        catalog.Apply("consul", Change("a", Instance("a", "1", port: 9090)));
        catalog.Status("consul").HeldBack.ShouldBeTrue();
        catalog.Current.ServiceCount.ShouldBe(4);
        catalog.Resolve("a").ShouldHaveSingleItem().Instance.Ports[0].Port.ShouldBe(9090);

        catalog.Apply("consul", Change("b", Instance("b", "2")));

        catalog.Status("consul").HeldBack.ShouldBeFalse();
        catalog.Current.GetServices().Select(static s => s.Name).ShouldBe(["a", "b"]);
    }

    [Fact]
    public void DropGuard_FirstSnapshot_NeverGuarded()
    {
        var (catalog, _) = Create(o => o.DropGuardRatio = 0);
        catalog.AddRegistry("consul", "consul", 0);

        catalog.Apply("consul", Snapshot(Instance("a", "1")));

        catalog.Current.ServiceCount.ShouldBe(1);
    }

    [Fact]
    public void DropGuard_PerServiceRemoval_NotGuarded()
    {
        var (catalog, _) = CreateWith(o => o.DropGuardRatio = 0.1, ("consul", [Instance("a", "1"), Instance("b", "2")]));

        catalog.Apply("consul", Change("a"));

        catalog.Current.ServiceCount.ShouldBe(1);
    }

    [Theory]
    [InlineData(-0.1)]
    [InlineData(1.5)]
    public void AddRegistry_RatioOutOfRange_Throws(double ratio)
    {
        var (catalog, _) = Create();

        Should.Throw<ArgumentOutOfRangeException>(() => catalog.AddRegistry("consul", "consul", 0, dropGuardRatio: ratio));
    }
}
