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
