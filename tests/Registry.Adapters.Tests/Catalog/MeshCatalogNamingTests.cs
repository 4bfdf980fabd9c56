using Shouldly;
using Xunit;
using static Registry.Adapters.Tests.Catalog.CatalogTestKit;

namespace Registry.Adapters.Tests.Catalog;

public sealed class MeshCatalogNamingTests
{
    [Fact]
    public void Apply_DefaultTemplate_MeshNameIsLowerCasedSourceName()
    {
        var (catalog, _) = CreateWith(null, ("consul", [Instance("Orders", "o-1")]));

        catalog.Current.GetServices().Select(static s => s.Name).ShouldBe(["orders"]);
        catalog.Resolve("orders").Ids().ShouldBe(["consul:o-1"]);
    }

    [Fact]
    public void Apply_KubernetesDefaultTemplate_ServiceDotNamespace()
    {
        var (catalog, _) = Create();
        catalog.AddRegistry("k8s", "kubernetes", 0);

        catalog.Apply("k8s", Snapshot(Instance("Orders.Shop", "o-1"), Instance("billing", "b-1")));

        catalog.Current.GetServices().Select(static s => s.Name).ShouldBe(["billing", "orders.shop"]);
    }

    [Fact]
    public void Apply_KubernetesTemplateWithServiceOnly_SplitsOnFirstDot()
    {
        var (catalog, _) = Create();
        catalog.AddRegistry("k8s", "kubernetes", 0, nameTemplate: "{service}");

        catalog.Apply("k8s", Snapshot(Instance("orders.shop.extra", "o-1")));

        catalog.Resolve("orders").Ids().ShouldBe(["k8s:o-1"]);
    }

    [Fact]
    public void Apply_CustomTemplate_UsesNamespaceAndWholeName()
    {
        var (catalog, _) = Create();
        catalog.AddRegistry("k8s", "kubernetes", 0, nameTemplate: "{namespace}-{service}");
        catalog.AddRegistry("eureka", "eureka", 1, nameTemplate: "eu-{name}");

        catalog.Apply("k8s", Snapshot(Instance("orders.shop", "o-1")));
        catalog.Apply("eureka", Snapshot(Instance("ORDERS", "o-2")));

        catalog.Current.GetServices().Select(static s => s.Name).ShouldBe(["eu-orders", "shop-orders"]);
    }

    [Theory]
    [InlineData("{svc}", "{svc}")]
    [InlineData("{service}.{cluster}", "{cluster}")]
    public void AddRegistry_UnknownTemplateVariable_ThrowsNamingIt(string template, string variable)
    {
        var (catalog, _) = Create();

        var error = Should.Throw<ArgumentException>(() => catalog.AddRegistry("r", "consul", 0, template));

        error.Message.ShouldContain(variable);
    }

    [Theory]
    [InlineData("{service")]
    [InlineData("service}")]
    [InlineData("static")]
    public void AddRegistry_MalformedTemplate_Throws(string template)
    {
        var (catalog, _) = Create();

        Should.Throw<ArgumentException>(() => catalog.AddRegistry("r", "consul", 0, template));
    }

    [Fact]
    public void AddRegistry_DuplicateName_Throws()
    {
        var (catalog, _) = Create();
        catalog.AddRegistry("r", "consul", 0);

        Should.Throw<ArgumentException>(() => catalog.AddRegistry("r", "etcd", 1)).Message.ShouldContain("'r'");
    }

    [Fact]
    public void Apply_Alias_MergesTwoRegistriesOnPurpose()
    {
        var (catalog, _) = Create(o => o.Aliases["Orders.Shop"] = "orders");
        catalog.AddRegistry("k8s", "kubernetes", 0);
        catalog.AddRegistry("consul", "consul", 1);

        catalog.Apply("k8s", Snapshot(Instance("orders.shop", "k-1", host: "10.0.0.1")));
        catalog.Apply("consul", Snapshot(Instance("orders", "c-1", host: "10.0.0.2")));

        catalog.Current.ServiceCount.ShouldBe(1);
        catalog.Resolve("orders").Ids().ShouldBe(["k8s:k-1", "consul:c-1"]);
    }

    [Fact]
    public void Resolve_AliasName_ResolvesTarget()
    {
        var (catalog, _) = CreateWith(o => o.Aliases["legacy-orders"] = "orders", ("consul", [Instance("orders", "c-1")]));

        catalog.Resolve("LEGACY-ORDERS").Ids().ShouldBe(["consul:c-1"]);
        catalog.Current.Find("legacy-orders")!.Name.ShouldBe("orders");
    }

    [Fact]
    public void Apply_TwoSourceNamesOfOneRegistryMapToOneMeshName_ConflictReportedFirstKept()
    {
        var (catalog, _) = CreateWith(null, ("consul", [Instance("orders", "lower-1", host: "10.0.0.1"), Instance("Orders", "upper-1", host: "10.0.0.2")]));

        catalog.Resolve("orders").Ids().ShouldBe(["consul:upper-1"]);
        var conflict = catalog.Current.Conflicts.ShouldHaveSingleItem();
        conflict.Registry.ShouldBe("consul");
        conflict.MeshName.ShouldBe("orders");
        conflict.SourceNames.ShouldBe(["Orders", "orders"]);
    }

    [Fact]
    public void Apply_ConflictOwnerRemoved_NextSourceNameTakesOverAndConflictClears()
    {
        var (catalog, _) = CreateWith(null, ("consul", [Instance("orders", "lower-1", host: "10.0.0.1"), Instance("Orders", "upper-1", host: "10.0.0.2")]));

        catalog.Apply("consul", Change("Orders"));

        catalog.Resolve("orders").Ids().ShouldBe(["consul:lower-1"]);
        catalog.Current.Conflicts.ShouldBeEmpty();
    }

    [Fact]
    public void Apply_AliasMakesConflictWithinOneRegistry_Reported()
    {
        var (catalog, _) = CreateWith(o => o.Aliases["orders-v2"] = "orders", ("consul", [Instance("orders", "a"), Instance("orders-v2", "b", host: "10.0.0.9")]));

        catalog.Current.Conflicts.ShouldHaveSingleItem().SourceNames.ShouldBe(["orders", "orders-v2"]);
        catalog.Resolve("orders").Ids().ShouldBe(["consul:a"]);
    }

    [Fact]
    public void Apply_TemplateProducesInvalidMeshName_SkippedAndReportedNeighboursKept()
    {
        var (catalog, _) = Create();
        catalog.AddRegistry("k8s", "kubernetes", 0, nameTemplate: "{service}..{namespace}");

        catalog.Apply("k8s", Snapshot(Instance("orders.shop", "o-1"), Instance("billing", "b-1")));

        catalog.Current.GetServices().Select(static s => s.Name).ShouldBe(["billing"]);
        var skipped = catalog.Status("k8s").Skipped.ShouldHaveSingleItem();
        skipped.Key.ShouldBe("orders.shop");
        skipped.Reason.ShouldContain("mesh name");
    }

    [Fact]
    public void Constructor_AliasToInvalidName_ThrowsNamingSetting()
    {
        var options = new MeshOptions();
        options.Aliases["orders"] = "../etc";

        Should.Throw<ArgumentException>(() => new MeshCatalog(options)).Message.ShouldContain("Mesh:Aliases:orders");
    }
}
