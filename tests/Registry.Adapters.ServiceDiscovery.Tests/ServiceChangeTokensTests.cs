using Shouldly;
using Xunit;

namespace Registry.Adapters.ServiceDiscovery.Tests;

public sealed class ServiceChangeTokensTests
{
    [Fact]
    public void Token_ItsServiceChanges_Fires()
    {
        using var catalog = NewCatalog();
        using var tokens = new ServiceChangeTokens(catalog);
        var watch = tokens.Acquire("orders");
        var token = watch.GetChangeToken();
        var fired = 0;
        using var registration = token.RegisterChangeCallback(_ => fired++, null);

        catalog.Apply("test", new ServiceChangedEvent("orders", [MeshServiceEndpointProviderTests.Instance("o1")]));

        token.HasChanged.ShouldBeTrue();
        fired.ShouldBe(1);
        watch.GetChangeToken().HasChanged.ShouldBeFalse();
    }

    [Fact]
    public void Token_AnotherServiceChanges_DoesNotFire()
    {
        using var catalog = NewCatalog();
        catalog.Apply("test", new ServiceChangedEvent("orders", [MeshServiceEndpointProviderTests.Instance("o1")]));
        using var tokens = new ServiceChangeTokens(catalog);
        var token = tokens.Acquire("orders").GetChangeToken();

        catalog.Apply("test", new ServiceChangedEvent("payments", [MeshServiceEndpointProviderTests.Instance("p1")]));
        catalog.Apply("test", new ServiceChangedEvent("payments", []));

        catalog.Current.Revision.ShouldBeGreaterThan(2);
        token.HasChanged.ShouldBeFalse();
    }

    [Fact]
    public void Token_ServiceRemoved_Fires()
    {
        using var catalog = NewCatalog();
        catalog.Apply("test", new ServiceChangedEvent("orders", [MeshServiceEndpointProviderTests.Instance("o1")]));
        using var tokens = new ServiceChangeTokens(catalog);
        var token = tokens.Acquire("orders").GetChangeToken();

        catalog.Apply("test", new ServiceChangedEvent("orders", []));

        token.HasChanged.ShouldBeTrue();
    }

    [Fact]
    public void Release_LastUse_StopsWatching()
    {
        using var catalog = NewCatalog();
        using var tokens = new ServiceChangeTokens(catalog);
        var first = tokens.Acquire("orders");
        var second = tokens.Acquire("ORDERS");
        second.ShouldBeSameAs(first);

        tokens.Release(first);
        tokens.Count.ShouldBe(1);
        tokens.Release(second);

        tokens.Count.ShouldBe(0);
    }

    private static MeshCatalog NewCatalog()
    {
        var catalog = new MeshCatalog(new MeshOptions());
        catalog.AddRegistry("test", "memory", 0);
        catalog.Apply("test", new RegistrySnapshotEvent(RegistrySnapshot.Empty));
        return catalog;
    }
}
