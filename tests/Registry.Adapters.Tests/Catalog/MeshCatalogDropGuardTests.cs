using Shouldly;
using Xunit;
using static Registry.Adapters.Tests.Catalog.CatalogTestKit;

namespace Registry.Adapters.Tests.Catalog;

public sealed class MeshCatalogDropGuardTests
{
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

/// <summary>The default drop guard (0.5), and the guard turned off (1): a rebuilt, empty backend resyncs to nothing.</summary>
public sealed class MeshCatalogDropGuardDefaultTests
{
    private static (MeshCatalog Catalog, int Unused) Synced(MeshOptions options)
    {
        var catalog = new MeshCatalog(options, new Microsoft.Extensions.Time.Testing.FakeTimeProvider(Start));
        catalog.AddRegistry("etcd", "etcd", 0);
        catalog.Apply("etcd", Snapshot(Instance("a", "1"), Instance("b", "2"), Instance("c", "3")));
        return (catalog, 0);
    }

    [Fact]
    public void Default_Is_Half()
    {
        new MeshOptions().DropGuardRatio.ShouldBe(0.5);
    }

    [Fact]
    public void DefaultGuard_EmptyResync_KeepsInstancesStaleAndHeldUntilTheRegistryRefills()
    {
        var (catalog, _) = Synced(new MeshOptions());

        catalog.Apply("etcd", Snapshot(true));
        catalog.Apply("etcd", new RegistryStateEvent(RegistryConnectionState.Connected));

        catalog.Current.GetServices().Select(static s => s.Name).ShouldBe(["a", "b", "c"]);
        var status = catalog.Status("etcd");
        status.State.ShouldBe(RegistryState.Stale, "the kept instances are not what the backend reports");
        status.HeldBack.ShouldBeTrue();
        status.Error.ShouldNotBeNull().ShouldContain("would drop 3 of 3 instances");
        catalog.Resolve("a").ShouldAllBe(static i => i.Stale);

        // Instances re-register one by one: while the held view still drops more than half, nothing is removed.
        catalog.Apply("etcd", Change("a", Instance("a", "1")));
        catalog.Current.GetServices().Select(static s => s.Name).ShouldBe(["a", "b", "c"]);
        catalog.Status("etcd").State.ShouldBe(RegistryState.Stale);

        catalog.Apply("etcd", Change("b", Instance("b", "2")));

        // Refilled within the ratio: the held snapshot (a, b; c never came back) applies, and the registry is ready.
        catalog.Current.GetServices().Select(static s => s.Name).ShouldBe(["a", "b"]);
        catalog.Status("etcd").State.ShouldBe(RegistryState.Ready);
        catalog.Status("etcd").HeldBack.ShouldBeFalse();
        catalog.Resolve("a").ShouldAllBe(static i => !i.Stale);
    }

    [Fact]
    public void DefaultGuard_SecondEmptySnapshot_ConfirmsTheDrop()
    {
        var (catalog, _) = Synced(new MeshOptions());
        catalog.Apply("etcd", Snapshot(true));

        catalog.Apply("etcd", Snapshot(true));

        catalog.Current.ServiceCount.ShouldBe(0);
        catalog.Status("etcd").State.ShouldBe(RegistryState.Ready);
    }

    [Fact]
    public void GuardOff_EmptyResync_RemovesEverythingAtOnce()
    {
        var (catalog, _) = Synced(new MeshOptions { DropGuardRatio = 1 });

        catalog.Apply("etcd", Snapshot(true));

        catalog.Current.ServiceCount.ShouldBe(0);
        catalog.Status("etcd").State.ShouldBe(RegistryState.Ready);
        catalog.Status("etcd").HeldBack.ShouldBeFalse();
    }
}
