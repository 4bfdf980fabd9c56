using Microsoft.Extensions.ServiceDiscovery;
using Shouldly;
using Xunit;

namespace Registry.Adapters.ServiceDiscovery.Tests;

public sealed class MeshServiceEndpointProviderTests : IAsyncLifetime
{
    private LoopbackBackend _a = null!;
    private LoopbackBackend _b = null!;

    public async Task InitializeAsync()
    {
        _a = await LoopbackBackend.StartAsync("a");
        _b = await LoopbackBackend.StartAsync("b");
    }

    public async Task DisposeAsync()
    {
        await _a.DisposeAsync();
        await _b.DisposeAsync();
    }

    [Fact]
    public async Task HttpClient_ServiceInMesh_ReachesItsInstance()
    {
        await using var host = await MeshDiscoveryHost.StartAsync();
        await host.SetAsync("orders", _a.AsInstance("orders"));

        var body = await host.Client().GetStringAsync("/whoami");

        body.ShouldBe($"a:{_a.Port}");
    }

    [Fact]
    public async Task HttpClient_CatalogChanges_NextRequestFollowsWithoutRefreshPeriod()
    {
        await using var host = await MeshDiscoveryHost.StartAsync();
        await host.SetAsync("orders", _a.AsInstance("orders"));
        var client = host.Client();
        (await client.GetStringAsync("/whoami")).ShouldBe($"a:{_a.Port}");

        // The clock is frozen: only the pushed change token can make the next request see b.
        await host.SetAsync("orders", _b.AsInstance("orders"));

        (await client.GetStringAsync("/whoami")).ShouldBe($"b:{_b.Port}");
        _a.Requests.ShouldBe(1);
    }

    [Fact]
    public async Task HttpClient_EndpointName_UsesNamedPort()
    {
        await using var host = await MeshDiscoveryHost.StartAsync();
        await host.SetAsync("orders", _a.AsInstance("orders"));

        var body = await host.Client("any").GetStringAsync("http://_grpc.orders/whoami");

        body.ShouldBe($"a:{_a.SecondPort}");
    }

    [Fact]
    public async Task Resolve_HttpsPlusHttp_PrefersHttpsThenFallsBackToHttp()
    {
        await using var host = await MeshDiscoveryHost.StartAsync();
        await host.SetAsync("pay", Instance("p1", ("http", 8080, "http"), ("https", 8443, "https")));

        var endpoints = await host.ResolveAsync("https+http://pay");

        endpoints.Select(Uri).ShouldBe(["https://10.0.0.1:8443/"]);

        await host.SetAsync("pay", Instance("p1", ("http", 8080, "http")));
        (await host.ResolveAsync("https+http://pay")).Select(Uri).ShouldBe(["http://10.0.0.1:8080/"]);
    }

    [Fact]
    public async Task Resolve_HttpScheme_PicksPortByProtocolWhenNotNamedLikeIt()
    {
        await using var host = await MeshDiscoveryHost.StartAsync();
        await host.SetAsync("web", Instance("w1", ("grpc", 9090, "grpc"), ("web", 8081, "http")));

        (await host.ResolveAsync("http://web")).Select(Uri).ShouldBe(["http://10.0.0.1:8081/"]);
    }

    [Fact]
    public async Task Resolve_NamedTlsPortOverHttpOnly_NoEndpointAndClearError()
    {
        await using var host = await MeshDiscoveryHost.StartAsync();
        await host.SetAsync("pay", Instance("p1", ("admin", 9443, "https")));

        var ex = await Should.ThrowAsync<InvalidOperationException>(() => host.ResolveAsync("http://_admin.pay"));

        ex.Message.ShouldContain("no eligible one has a port named 'admin'");
        (await host.ResolveAsync("https://_admin.pay")).Select(Uri).ShouldBe(["https://10.0.0.1:9443/"]);
    }

    [Fact]
    public async Task Resolve_Endpoint_CarriesMeshInstanceFeature()
    {
        await using var host = await MeshDiscoveryHost.StartAsync();
        await host.SetAsync("orders", _a.AsInstance("orders", zone: "z1"));

        var endpoint = (await host.ResolveAsync("http://orders")).ShouldHaveSingleItem();

        var instance = endpoint.Features.Get<MeshInstance>().ShouldNotBeNull();
        instance.Registry.ShouldBe("test");
        instance.Instance.Id.ShouldBe("a");
        instance.Instance.Zone.ShouldBe("z1");
        endpoint.EndPoint.ShouldBeOfType<UriEndPoint>().Uri.Scheme.ShouldBe("http");
    }

    [Fact]
    public async Task Resolve_UnhealthyDrainingStartingUnknown_NeverHandedOutByDefault()
    {
        await using var host = await MeshDiscoveryHost.StartAsync();
        await host.SetAsync(
            "orders",
            Instance("ok", HealthStatus.Healthy),
            Instance("sick", HealthStatus.Unhealthy),
            Instance("drain", HealthStatus.Draining),
            Instance("boot", HealthStatus.Starting),
            Instance("unk", HealthStatus.Unknown));

        var endpoints = await host.ResolveAsync("http://orders");

        endpoints.Select(Id).ShouldBe(["ok"]);
    }

    [Fact]
    public async Task Resolve_NoneHealthy_ThrowsNamingTheServiceInsteadOfFallingToDns()
    {
        await using var host = await MeshDiscoveryHost.StartAsync();
        await host.SetAsync("orders", Instance("sick", HealthStatus.Unhealthy), Instance("drain", HealthStatus.Draining));

        var ex = await Should.ThrowAsync<InvalidOperationException>(() => host.ResolveAsync("http://orders"));

        ex.Message.ShouldContain("'orders' has 2 instance(s), but none is eligible");
    }

    [Fact]
    public async Task Resolve_IncludeDrainingOption_HandsOutDraining()
    {
        await using var host = await MeshDiscoveryHost.StartAsync(o => o.IncludeDraining = true);
        await host.SetAsync("orders", Instance("ok", HealthStatus.Healthy), Instance("drain", HealthStatus.Draining), Instance("sick", HealthStatus.Unhealthy));

        (await host.ResolveAsync("http://orders")).Select(Id).ShouldBe(["ok", "drain"], ignoreOrder: true);
    }

    [Fact]
    public async Task Resolve_StaleInstances_OnlyWhenNothingFreshIsLeft()
    {
        await using var host = await MeshDiscoveryHost.StartAsync();
        await host.SetAsync("test", "orders", Instance("t1", HealthStatus.Healthy));
        await host.SetAsync("backup", "orders", Instance("b1", HealthStatus.Healthy, host: "10.0.0.2"));
        await host.FailAsync("test", "connection refused");

        (await host.ResolveAsync("http://orders")).Select(Id).ShouldBe(["b1"]);

        await host.SetAsync("backup", "orders");
        (await host.ResolveAsync("http://orders")).Select(Id).ShouldBe(["t1"]);
    }

    [Fact]
    public async Task Resolve_StaleFallbackOff_NoEndpoint()
    {
        await using var host = await MeshDiscoveryHost.StartAsync(o => o.UseStaleWhenNoneFresh = false);
        await host.SetAsync("orders", Instance("t1", HealthStatus.Healthy));
        await host.FailAsync("test", "connection refused");

        var ex = await Should.ThrowAsync<InvalidOperationException>(() => host.ResolveAsync("http://orders"));
        ex.Message.ShouldContain("none is eligible");
    }

    [Fact]
    public async Task Resolve_Zone_PrefersCallersZoneFallsBackToOthers()
    {
        await using var host = await MeshDiscoveryHost.StartAsync(o => o.Zone = "us-east-1a");
        await host.SetAsync("orders", Instance("a1", zone: "us-east-1a"), Instance("b1", zone: "us-east-1b", host: "10.0.0.2"), Instance("a2", zone: "US-EAST-1A", host: "10.0.0.3"));

        (await host.ResolveAsync("http://orders")).Select(Id).ShouldBe(["a1", "a2"], ignoreOrder: true);

        await host.SetAsync("orders", Instance("a1", HealthStatus.Unhealthy, zone: "us-east-1a"), Instance("b1", zone: "us-east-1b", host: "10.0.0.2"));
        (await host.ResolveAsync("http://orders")).Select(Id).ShouldBe(["b1"]);
    }

    [Fact]
    public async Task Resolve_UnknownService_FallsThroughToNextProviderThenFollowsTheMesh()
    {
        await using var host = await MeshDiscoveryHost.StartAsync();

        var before = (await host.ResolveAsync("http://orders")).ShouldHaveSingleItem();
        before.Features.Get<MeshInstance>().ShouldBeNull();
        before.EndPoint.ToString()!.ShouldContain("orders");

        await host.SetAsync("orders", _a.AsInstance("orders"));

        var after = (await host.ResolveAsync("http://orders")).ShouldHaveSingleItem();
        after.Features.Get<MeshInstance>().ShouldNotBeNull();
    }

    [Fact]
    public async Task Resolve_Alias_ResolvesTheTarget()
    {
        await using var host = await MeshDiscoveryHost.StartAsync(meshOptions: o => o.Aliases["order-service"] = "orders");
        await host.SetAsync("orders", Instance("o1"));

        (await host.ResolveAsync("http://order-service")).Select(Id).ShouldBe(["o1"]);
    }

    internal static ServiceInstance Instance(string id, HealthStatus health = HealthStatus.Healthy, string? zone = null, string? host = null) => new()
    {
        Service = "orders",
        Id = id,
        Host = host ?? $"{id}.example",
        Ports = [new ServicePort("http", 8080, "http")],
        Health = health,
        Zone = zone,
    };

    internal static ServiceInstance Instance(string id, params (string Name, int Port, string Protocol)[] ports) => new()
    {
        Service = "svc",
        Id = id,
        Host = "10.0.0.1",
        Ports = [.. ports.Select(static p => new ServicePort(p.Name, p.Port, p.Protocol))],
    };

    private static string Uri(ServiceEndpoint e) => ((UriEndPoint)e.EndPoint).Uri.ToString();

    private static string Id(ServiceEndpoint e) => e.Features.Get<MeshInstance>()!.Instance.Id;
}
