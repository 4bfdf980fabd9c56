using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using Registry.Adapters.Testing;
using Shouldly;
using Xunit;
using Yarp.ReverseProxy.Configuration;

namespace Registry.Adapters.ServiceDiscovery.Tests;

/// <summary>A YARP route whose destination is <c>http://orders</c>, resolved by MESD's YARP destination resolver over the mesh provider.</summary>
public sealed class YarpTests
{
    [Fact]
    public async Task Proxy_DestinationIsMeshService_ForwardsToItAndFollowsCatalogChanges()
    {
        await using var a = await LoopbackBackend.StartAsync("a");
        await using var b = await LoopbackBackend.StartAsync("b");
        var test = new ReplayRegistry("test");

        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, 0));

        // MESD's clock frozen: its refresh timer never fires, so following the change proves the push.
        builder.Services.AddSingleton<TimeProvider>(new FakeTimeProvider());
        builder.Services.AddMeshRegistry(m => m.AddTestRegistry(test, priority: 0));
        builder.Services.AddServiceDiscovery().AddMeshServiceEndpointProvider();
        builder.Services.AddReverseProxy()
            .LoadFromMemory(
                [new RouteConfig { RouteId = "orders", ClusterId = "orders", Match = new RouteMatch { Path = "/{**rest}" } }],
                [new ClusterConfig { ClusterId = "orders", Destinations = new Dictionary<string, DestinationConfig> { ["orders"] = new() { Address = "http://orders" } } }])
            .AddServiceDiscoveryDestinationResolver();
        await using var app = builder.Build();
        app.MapReverseProxy();
        await app.StartAsync();
        await test.SnapshotAsync();
        await test.SetAsync("orders", a.AsInstance("orders"));
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        using var client = new HttpClient { BaseAddress = new Uri(address) };

        (await client.GetStringAsync("/whoami")).ShouldBe($"a:{a.Port}");

        await test.SetAsync("orders", b.AsInstance("orders"));

        // YARP applies a re-resolved destination set asynchronously; wait (bounded) for it.
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        string body;
        while ((body = await client.GetStringAsync("/whoami", timeout.Token)) != $"b:{b.Port}")
        {
            body.ShouldBe($"a:{a.Port}");
            await Task.Delay(20, timeout.Token);
        }

        b.Requests.ShouldBeGreaterThan(0);
        await app.StopAsync();
    }
}
