using Shouldly;
using Xunit;
using static Registry.Adapters.Tests.Catalog.CatalogTestKit;

namespace Registry.Adapters.Tests.Catalog;

/// <summary>A backend that watches each service on its own names the failing ones: only their instances are stale.</summary>
public sealed class MeshCatalogServiceStalenessTests
{
    private static RegistryStateEvent Failing(params string[] services) =>
        new(RegistryConnectionState.Retrying, $"health query of {string.Join(",", services)} failed", TimeSpan.FromSeconds(1)) { StaleServices = services };

    [Fact]
    public void Apply_OneServiceFailing_OnlyItsInstancesStale()
    {
        var (catalog, _) = CreateWith(null, ("consul", [Instance("web", "w-1"), Instance("api", "a-1")]));

        catalog.Apply("consul", Failing("web"));

        catalog.Status("consul").State.ShouldBe(RegistryState.Stale);
        catalog.Resolve("web").ShouldHaveSingleItem().Stale.ShouldBeTrue();
        catalog.Resolve("api").ShouldHaveSingleItem().Stale.ShouldBeFalse();
    }

    [Fact]
    public void Apply_ChangeOfAnotherServiceWhileOneFails_RegistryStaysStaleAndFailingServiceStaysStale()
    {
        var (catalog, _) = CreateWith(null, ("consul", [Instance("web", "w-1"), Instance("api", "a-1")]));
        catalog.Apply("consul", Failing("web"));

        catalog.Apply("consul", Change("api", Instance("api", "a-1"), Instance("api", "a-2")));

        catalog.Status("consul").State.ShouldBe(RegistryState.Stale);
        catalog.Status("consul").Error.ShouldBe("health query of web failed");
        catalog.Resolve("web").ShouldHaveSingleItem().Stale.ShouldBeTrue();
        catalog.Resolve("api").Select(static i => i.Stale).ShouldBe([false, false]);
    }

    [Fact]
    public void Apply_FailingServiceReportsData_RegistryReady()
    {
        var (catalog, _) = CreateWith(null, ("consul", [Instance("web", "w-1"), Instance("api", "a-1")]));
        catalog.Apply("consul", Failing("web"));

        catalog.Apply("consul", Change("web", Instance("web", "w-1"), Instance("web", "w-2")));

        catalog.Status("consul").State.ShouldBe(RegistryState.Ready);
        catalog.Resolve("web").Select(static i => i.Stale).ShouldBe([false, false]);
    }

    [Fact]
    public void Apply_SmallerFailingSet_RecoveredServiceCurrentOthersStale()
    {
        var (catalog, _) = CreateWith(null, ("consul", [Instance("web", "w-1"), Instance("api", "a-1"), Instance("db", "d-1")]));
        catalog.Apply("consul", Failing("web", "db"));
        catalog.Resolve("db").ShouldHaveSingleItem().Stale.ShouldBeTrue();

        catalog.Apply("consul", Failing("web"));

        catalog.Status("consul").State.ShouldBe(RegistryState.Stale);
        catalog.Resolve("web").ShouldHaveSingleItem().Stale.ShouldBeTrue();
        catalog.Resolve("db").ShouldHaveSingleItem().Stale.ShouldBeFalse();
        catalog.Resolve("api").ShouldHaveSingleItem().Stale.ShouldBeFalse();
    }

    [Fact]
    public void Apply_WholeRegistryFailure_AnyChangeStillRecovers()
    {
        var (catalog, _) = CreateWith(null, ("etcd", [Instance("web", "w-1"), Instance("api", "a-1")]));
        catalog.Apply("etcd", new RegistryStateEvent(RegistryConnectionState.Retrying, "connection refused"));

        catalog.Apply("etcd", Change("api", Instance("api", "a-2")));

        catalog.Status("etcd").State.ShouldBe(RegistryState.Ready);
        catalog.Resolve("web").ShouldHaveSingleItem().Stale.ShouldBeFalse();
    }
}
