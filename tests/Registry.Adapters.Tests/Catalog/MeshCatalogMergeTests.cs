using Shouldly;
using Xunit;
using static Registry.Adapters.Tests.Catalog.CatalogTestKit;

namespace Registry.Adapters.Tests.Catalog;

public sealed class MeshCatalogMergeTests
{
    [Fact]
    public void Apply_Union_InstancesOfAllRegistriesByPriorityThenId()
    {
        var (catalog, _) = CreateWith(
            null,
            ("consul", [Instance("orders", "c-2", host: "10.0.0.2"), Instance("orders", "c-1", host: "10.0.0.1")]),
            ("eureka", [Instance("ORDERS", "e-1", host: "10.0.1.1")]));

        var service = catalog.Current.Find("orders").ShouldNotBeNull();
        service.Policy.ShouldBe(MergePolicy.Union);
        service.Instances.Ids().ShouldBe(["consul:c-1", "consul:c-2", "eureka:e-1"]);
    }

    [Fact]
    public void Apply_SamePriority_TieBrokenByRegistryName()
    {
        var (catalog, _) = Create();
        catalog.AddRegistry("zeta", "memory", 5);
        catalog.AddRegistry("alpha", "memory", 5);

        catalog.Apply("zeta", Snapshot(Instance("orders", "z", host: "10.0.0.2")));
        catalog.Apply("alpha", Snapshot(Instance("orders", "a", host: "10.0.0.1")));

        catalog.Resolve("orders").Ids().ShouldBe(["alpha:a", "zeta:z"]);
        catalog.Current.Registries.Select(static r => r.Name).ShouldBe(["alpha", "zeta"]);
    }

    [Fact]
    public void Apply_LowerPriorityNumberWins_RegardlessOfAddOrder()
    {
        var (catalog, _) = Create(o => o.DefaultMerge = MergePolicy.Priority);
        catalog.AddRegistry("second", "memory", 2);
        catalog.AddRegistry("first", "memory", 1);

        catalog.Apply("second", Snapshot(Instance("orders", "s", host: "10.0.0.2")));
        catalog.Apply("first", Snapshot(Instance("orders", "f", host: "10.0.0.1")));

        catalog.Resolve("orders").Ids().ShouldBe(["first:f"]);
    }

    [Fact]
    public void Apply_UnionDuplicateHostAndPort_HigherPriorityRecordKept()
    {
        var (catalog, _) = CreateWith(
            null,
            ("consul", [Instance("orders", "c-1", host: "10.0.0.1", port: 8080)]),
            ("eureka", [Instance("orders", "e-1", host: "10.0.0.1", port: 8080), Instance("orders", "e-2", host: "10.0.0.1", port: 9090)]));

        var instances = catalog.Resolve("orders");
        instances.Ids().ShouldBe(["consul:c-1", "eureka:e-2"]);
        instances[0].Registry.ShouldBe("consul");
    }

    [Fact]
    public void Apply_DedupeWithoutPorts_UsesPortZeroAndHostIgnoresCase()
    {
        var (catalog, _) = CreateWith(
            null,
            ("consul", [Instance("orders", "c-1", host: "Orders.Example.com", port: 0)]),
            ("eureka", [Instance("orders", "e-1", host: "orders.example.com", port: 0)]));

        catalog.Resolve("orders").Ids().ShouldBe(["consul:c-1"]);
    }

    [Fact]
    public void Apply_SameEndpointTwiceInOneRegistry_BothKept()
    {
        var (catalog, _) = CreateWith(
            null,
            ("consul", [Instance("orders", "c-1", host: "10.0.0.1"), Instance("orders", "c-2", host: "10.0.0.1")]));

        catalog.Resolve("orders").Ids().ShouldBe(["consul:c-1", "consul:c-2"]);
    }

    [Fact]
    public void Apply_HigherPriorityRecordRemoved_LowerPriorityDuplicateReappears()
    {
        var (catalog, _) = CreateWith(
            null,
            ("consul", [Instance("orders", "c-1", host: "10.0.0.1")]),
            ("eureka", [Instance("orders", "e-1", host: "10.0.0.1")]));

        catalog.Apply("consul", Change("orders"));

        catalog.Resolve("orders").Ids().ShouldBe(["eureka:e-1"]);
    }

    [Fact]
    public void Apply_PriorityPolicy_OnlyHighestPriorityRegistryThatHasTheService()
    {
        var (catalog, _) = CreateWith(
            o => o.DefaultMerge = MergePolicy.Priority,
            ("consul", [Instance("orders", "c-1", host: "10.0.0.1", health: HealthStatus.Unhealthy)]),
            ("eureka", [Instance("orders", "e-1", host: "10.0.0.2"), Instance("billing", "e-2", host: "10.0.0.3")]));

        catalog.Resolve("orders").Ids().ShouldBe(["consul:c-1"]);
        catalog.Resolve("billing").Ids().ShouldBe(["eureka:e-2"]);
        catalog.Current.Find("orders")!.Policy.ShouldBe(MergePolicy.Priority);
    }

    [Fact]
    public void Apply_PriorityPolicyTopRegistryLosesService_NextRegistryTakesOver()
    {
        var (catalog, _) = CreateWith(
            o => o.DefaultMerge = MergePolicy.Priority,
            ("consul", [Instance("orders", "c-1", host: "10.0.0.1")]),
            ("eureka", [Instance("orders", "e-1", host: "10.0.0.2")]));

        catalog.Apply("consul", Change("orders"));

        catalog.Resolve("orders").Ids().ShouldBe(["eureka:e-1"]);
    }

    [Fact]
    public void Apply_Failover_SwitchesWhenTopLosesHealthyInstancesAndBack()
    {
        var (catalog, _) = CreateWith(
            o => o.Services["orders"] = new MeshServiceOptions { Merge = MergePolicy.Failover },
            ("primary", [Instance("orders", "p-1", host: "10.0.0.1")]),
            ("backup", [Instance("orders", "b-1", host: "10.0.0.2")]));
        catalog.Resolve("orders").Ids().ShouldBe(["primary:p-1"]);

        catalog.Apply("primary", Change("orders", Instance("orders", "p-1", host: "10.0.0.1", health: HealthStatus.Unhealthy)));
        catalog.Resolve("orders").Ids().ShouldBe(["backup:b-1"]);

        catalog.Apply("primary", Change("orders", Instance("orders", "p-1", host: "10.0.0.1")));
        catalog.Resolve("orders").Ids().ShouldBe(["primary:p-1"]);
    }

    [Fact]
    public void Apply_FailoverNoRegistryHealthy_FallsBackToHighestPriorityThatHasIt()
    {
        var (catalog, _) = CreateWith(
            o => o.DefaultMerge = MergePolicy.Failover,
            ("primary", [Instance("orders", "p-1", host: "10.0.0.1", health: HealthStatus.Draining)]),
            ("backup", [Instance("orders", "b-1", host: "10.0.0.2", health: HealthStatus.Unhealthy)]));

        catalog.Resolve("orders").Ids().ShouldBe(["primary:p-1"]);
    }

    [Fact]
    public void Apply_FailoverTopRegistryStale_FreshHealthyRegistryPreferred()
    {
        var (catalog, _) = CreateWith(
            o => o.DefaultMerge = MergePolicy.Failover,
            ("primary", [Instance("orders", "p-1", host: "10.0.0.1")]),
            ("backup", [Instance("orders", "b-1", host: "10.0.0.2")]));

        catalog.Apply("primary", new RegistryStateEvent(RegistryConnectionState.Retrying, "connection refused"));

        catalog.Resolve("orders").Ids().ShouldBe(["backup:b-1"]);
    }

    [Theory]
    [InlineData("payments", MergePolicy.Failover)]
    [InlineData("payments-eu", MergePolicy.Priority)]
    [InlineData("payments-us", MergePolicy.Union)]
    [InlineData("payx", MergePolicy.Failover)]
    [InlineData("orders", MergePolicy.Priority)]
    public void Apply_ServicePolicies_ExactBeatsGlobAndLongerGlobBeatsShorter(string service, MergePolicy expected)
    {
        var (catalog, _) = CreateWith(
            o =>
            {
                o.DefaultMerge = MergePolicy.Priority;
                o.Services["pay*"] = new MeshServiceOptions { Merge = MergePolicy.Failover };
                o.Services["payments-??"] = new MeshServiceOptions { Merge = MergePolicy.Priority };
                o.Services["payments-us"] = new MeshServiceOptions { Merge = MergePolicy.Union };
                o.Services["PAYMENTS"] = new MeshServiceOptions { Merge = MergePolicy.Failover };
            },
            ("consul", [Instance(service, "c-1")]));

        catalog.Current.Find(service)!.Policy.ShouldBe(expected);
    }

    [Theory]
    [InlineData("pay*", "payments", true)]
    [InlineData("pay*", "pa", false)]
    [InlineData("*-eu", "payments-eu", true)]
    [InlineData("p?y", "PAY", true)]
    [InlineData("p?y", "py", false)]
    [InlineData("*", "", true)]
    [InlineData("a*b*c", "axxbyyc", true)]
    [InlineData("a*b*c", "axxbyy", false)]
    public void GlobMatches_Patterns(string pattern, string text, bool expected) =>
        MergePolicyTable.GlobMatches(pattern, text).ShouldBe(expected);
}
