using Shouldly;
using Xunit;
using static Registry.Adapters.Tests.Catalog.CatalogTestKit;

namespace Registry.Adapters.Tests.Catalog;

public sealed class MeshCatalogSnapshotTests
{
    [Fact]
    public void Current_NewCatalog_EmptyAtRevisionZero()
    {
        var (catalog, _) = Create();

        catalog.Current.Revision.ShouldBe(0);
        catalog.Current.ServiceCount.ShouldBe(0);
        catalog.Current.GetServices().ShouldBeEmpty();
        catalog.Resolve("orders").IsEmpty.ShouldBeTrue();
    }

    [Fact]
    public void Apply_EveryChange_RevisionGrowsByOne()
    {
        var (catalog, _) = Create();
        catalog.AddRegistry("consul", "consul", 0);
        var afterAdd = catalog.Current.Revision;

        catalog.Apply("consul", Snapshot(Instance("orders", "o-1")));
        catalog.Current.Revision.ShouldBe(afterAdd + 1);

        catalog.Apply("consul", Change("orders", Instance("orders", "o-1"), Instance("orders", "o-2", host: "10.0.0.2")));
        catalog.Current.Revision.ShouldBe(afterAdd + 2);
    }

    [Fact]
    public void Apply_EventThatChangesNothing_RevisionAndSnapshotUnchanged()
    {
        var (catalog, _) = CreateWith(null, ("consul", [Instance("orders", "o-1")]));
        var before = catalog.Current;
        var token = catalog.GetChangeToken();

        catalog.Apply("consul", Change("orders", Instance("orders", "o-1")));
        catalog.Apply("consul", Snapshot(true, Instance("orders", "o-1")));
        catalog.Apply("consul", new RegistryStateEvent(RegistryConnectionState.Connected));
        catalog.Apply("consul", Change("billing"));

        catalog.Current.ShouldBeSameAs(before);
        token.HasChanged.ShouldBeFalse();
    }

    [Fact]
    public void Apply_OneServiceChanges_UntouchedServicesKeptByReference()
    {
        var (catalog, _) = CreateWith(
            null,
            ("consul", [Instance("orders", "o-1"), Instance("billing", "b-1", host: "10.0.0.2")]),
            ("eureka", [Instance("orders", "e-1", host: "10.0.0.3"), Instance("users", "u-1", host: "10.0.0.4")]));
        var before = catalog.Current;

        catalog.Apply("consul", Change("orders", Instance("orders", "o-1"), Instance("orders", "o-2", host: "10.0.0.5")));

        var after = catalog.Current;
        after.Find("billing").ShouldBeSameAs(before.Find("billing"));
        after.Find("users").ShouldBeSameAs(before.Find("users"));
        after.Find("billing")!.Instances.ShouldBe(before.Find("billing")!.Instances);
        after.Find("orders").ShouldNotBeSameAs(before.Find("orders"));
        after.Find("orders")!.Instances[0].ShouldBeSameAs(before.Find("orders")!.Instances[0]);
    }

    [Fact]
    public void Apply_ResyncWithSameContent_KeepsEveryServiceByReference()
    {
        var (catalog, _) = CreateWith(null, ("consul", [Instance("orders", "o-1"), Instance("billing", "b-1", host: "10.0.0.2")]));
        var before = catalog.Current;

        catalog.Apply("consul", Snapshot(true, Instance("billing", "b-1", host: "10.0.0.2"), Instance("orders", "o-1")));

        catalog.Current.ShouldBeSameAs(before);
    }

    [Fact]
    public void Snapshot_OldSnapshot_UnchangedAfterLaterChanges()
    {
        var (catalog, _) = CreateWith(null, ("consul", [Instance("orders", "o-1")]));
        var before = catalog.Current;

        catalog.Apply("consul", Change("orders"));
        catalog.Apply("consul", Change("billing", Instance("billing", "b-1")));

        before.Find("orders").ShouldNotBeNull();
        before.Find("billing").ShouldBeNull();
        before.GetServices().Select(static s => s.Name).ShouldBe(["orders"]);
        catalog.Current.GetServices().Select(static s => s.Name).ShouldBe(["billing"]);
    }

    [Fact]
    public void GetServices_SortedByNameOrdinal_CachedPerSnapshot()
    {
        var (catalog, _) = CreateWith(null, ("consul", [Instance("b", "1"), Instance("a-x", "2", host: "10.0.0.2"), Instance("a", "3", host: "10.0.0.3")]));

        var services = catalog.Current.GetServices();

        services.Select(static s => s.Name).ShouldBe(["a", "a-x", "b"]);
        catalog.Current.GetServices().ShouldBeSameAs(services);
    }

    [Theory]
    [InlineData("orders")]
    [InlineData("ORDERS")]
    [InlineData("Orders")]
    public void Resolve_AnyCase_Hit(string name)
    {
        var (catalog, _) = CreateWith(null, ("consul", [Instance("orders", "o-1")]));

        catalog.Resolve(name).Ids().ShouldBe(["consul:o-1"]);
    }

    [Fact]
    public void Resolve_ServiceRemoved_Empty()
    {
        var (catalog, _) = CreateWith(null, ("consul", [Instance("orders", "o-1")]));

        catalog.Apply("consul", Change("orders"));

        catalog.Resolve("orders").IsEmpty.ShouldBeTrue();
        catalog.Current.Find("orders").ShouldBeNull();
    }

    [Fact]
    public void GetChangeToken_FiresOnSwapOnly()
    {
        var (catalog, _) = CreateWith(null, ("consul", [Instance("orders", "o-1")]));
        var token = catalog.GetChangeToken();
        var fired = 0;
        using var registration = token.RegisterChangeCallback(_ => fired++, null);

        catalog.Apply("consul", Change("orders", Instance("orders", "o-1", health: HealthStatus.Draining)));

        token.HasChanged.ShouldBeTrue();
        fired.ShouldBe(1);
        catalog.GetChangeToken().HasChanged.ShouldBeFalse();
    }

    [Fact]
    public void Apply_InvalidInstanceInEvent_SkippedReportedNeighboursKept()
    {
        var (catalog, _) = CreateWith(null, ("consul", [Instance("orders", "o-1")]));

        catalog.Apply("consul", Change(
            "orders",
            Instance("orders", "o-1"),
            Instance("orders", "../etc/passwd", host: "10.0.0.2"),
            Instance("orders", "o-3", host: "bad host"),
            Instance("orders", "o-4", host: "10.0.0.4", port: 70000)));

        catalog.Resolve("orders").Ids().ShouldBe(["consul:o-1"]);
        var skipped = catalog.Status("consul").Skipped;
        skipped.Length.ShouldBe(3);
        skipped[0].Key.ShouldBe("orders/o-4");
        skipped[0].Reason.ShouldContain("70000");
    }

    [Fact]
    public void Apply_InvalidInstanceInSnapshot_OtherServicesAndRegistriesUntouched()
    {
        var (catalog, _) = CreateWith(null, ("consul", []), ("eureka", [Instance("users", "u-1")]));

        catalog.Apply("consul", Snapshot(Instance("orders", "o-1"), Instance("orders", "o-2", host: ""), Instance("billing", new string('x', 300))));

        catalog.Resolve("orders").Ids().ShouldBe(["consul:o-1"]);
        catalog.Resolve("billing").IsEmpty.ShouldBeTrue();
        catalog.Resolve("users").Ids().ShouldBe(["eureka:u-1"]);
        catalog.Status("consul").Skipped.Length.ShouldBe(2);
        catalog.Status("eureka").Skipped.ShouldBeEmpty();
    }

    [Fact]
    public void Apply_DuplicateIdInOneService_FirstKeptDuplicateReported()
    {
        var (catalog, _) = CreateWith(null, ("consul", [Instance("orders", "o-1", host: "10.0.0.1"), Instance("orders", "o-1", host: "10.0.0.2")]));

        var only = catalog.Resolve("orders").ShouldHaveSingleItem();
        only.Instance.Host.ShouldBe("10.0.0.1");
        catalog.Status("consul").Skipped.ShouldHaveSingleItem().Reason.ShouldContain("twice");
    }

    [Fact]
    public void Apply_RecordSkippedEvent_KeptMostRecentFirstAndBounded()
    {
        var (catalog, _) = CreateWith(null, ("consul", []));

        for (var i = 0; i < 40; i++)
        {
            catalog.Apply("consul", new RecordSkippedEvent(new SkippedRecord($"key-{i}", "bad")));
        }

        var skipped = catalog.Status("consul").Skipped;
        skipped.Length.ShouldBe(32);
        skipped[0].Key.ShouldBe("key-39");
    }

    [Fact]
    public void Apply_UnknownRegistry_Throws()
    {
        var (catalog, _) = Create();

        Should.Throw<ArgumentException>(() => catalog.Apply("nope", Snapshot())).Message.ShouldContain("AddRegistry");
    }

    [Fact]
    public void Status_CountsServicesAndInstancesAndRevision()
    {
        var (catalog, _) = CreateWith(null, ("consul", [Instance("orders", "o-1"), Instance("orders", "o-2", host: "10.0.0.2"), Instance("billing", "b-1")]));

        var status = catalog.Status("consul");
        status.State.ShouldBe(RegistryState.Ready);
        status.Services.ShouldBe(2);
        status.Instances.ShouldBe(3);
        status.Revision.ShouldBe("r1");
        status.Kind.ShouldBe("memory");
    }
}
