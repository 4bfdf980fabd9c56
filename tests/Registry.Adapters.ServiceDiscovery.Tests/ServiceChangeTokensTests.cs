using Registry.Adapters.Testing;
using Shouldly;
using Xunit;

namespace Registry.Adapters.ServiceDiscovery.Tests;

public sealed class ServiceChangeTokensTests : IAsyncLifetime
{
    private readonly ReplayRegistry _test = new("test");
    private MeshTestHost _mesh = null!;

    /// <summary>A mesh built with <c>AddMeshRegistry</c> over one scripted registry, synced and empty.</summary>
    public async Task InitializeAsync()
    {
        _mesh = await MeshTestHost.StartAsync(m => m.AddTestRegistry(_test, priority: 0));
        await _test.SnapshotAsync();
    }

    public async Task DisposeAsync() => await _mesh.DisposeAsync();

    [Fact]
    public async Task Token_ItsServiceChanges_Fires()
    {
        using var tokens = new ServiceChangeTokens(_mesh.Catalog);
        var watch = tokens.Acquire("orders");
        var token = watch.GetChangeToken();
        var fired = 0;
        using var registration = token.RegisterChangeCallback(_ => Interlocked.Increment(ref fired), null);

        await _test.SetAsync("orders", MeshServiceEndpointProviderTests.Instance("o1"));

        token.HasChanged.ShouldBeTrue();
        Volatile.Read(ref fired).ShouldBe(1);
        watch.GetChangeToken().HasChanged.ShouldBeFalse();
    }

    [Fact]
    public async Task Token_AnotherServiceChanges_DoesNotFire()
    {
        await _test.SetAsync("orders", MeshServiceEndpointProviderTests.Instance("o1"));
        using var tokens = new ServiceChangeTokens(_mesh.Catalog);
        var token = tokens.Acquire("orders").GetChangeToken();

        await _test.SetAsync("payments", MeshServiceEndpointProviderTests.Instance("p1"));
        await _test.SetAsync("payments");

        _mesh.Catalog.Current.Revision.ShouldBeGreaterThan(2);
        token.HasChanged.ShouldBeFalse();
    }

    [Fact]
    public async Task Token_ServiceRemoved_Fires()
    {
        await _test.SetAsync("orders", MeshServiceEndpointProviderTests.Instance("o1"));
        using var tokens = new ServiceChangeTokens(_mesh.Catalog);
        var token = tokens.Acquire("orders").GetChangeToken();

        await _test.SetAsync("orders");

        token.HasChanged.ShouldBeTrue();
    }

    [Fact]
    public void Release_LastUse_StopsWatching()
    {
        using var tokens = new ServiceChangeTokens(_mesh.Catalog);
        var first = tokens.Acquire("orders");
        var second = tokens.Acquire("ORDERS");
        second.ShouldBeSameAs(first);

        tokens.Release(first);
        tokens.Count.ShouldBe(1);
        tokens.Release(second);

        tokens.Count.ShouldBe(0);
    }
}
