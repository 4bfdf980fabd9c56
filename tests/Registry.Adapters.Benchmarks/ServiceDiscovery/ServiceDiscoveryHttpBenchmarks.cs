using System.Net;
using BenchmarkDotNet.Attributes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Registry.Adapters.Benchmarks.ServiceDiscovery;

/// <summary>
/// An <c>HttpClient</c> GET to a loopback Kestrel backend through the mesh service-discovery provider
/// (<c>http://orders/ping</c>) against the same GET to the backend's fixed URI. Both clients come from the same
/// <c>IHttpClientFactory</c>; only the service-discovery handler differs.
/// </summary>
[MemoryDiagnoser]
public class ServiceDiscoveryHttpBenchmarks
{
    private WebApplication _backend = null!;
    private ServiceProvider _services = null!;
    private MeshCatalog _catalog = null!;
    private HttpClient _fixed = null!;
    private HttpClient _mesh = null!;

    [GlobalSetup]
    public void Setup()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, 0));
        _backend = builder.Build();
        _backend.MapGet("/ping", static () => Results.Text("pong"));
        _backend.StartAsync().GetAwaiter().GetResult();
        var port = new Uri(_backend.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single()).Port;

        _catalog = new MeshCatalog(new MeshOptions());
        _catalog.AddRegistry("bench", "memory", 0);
        _catalog.Apply("bench", new RegistrySnapshotEvent(new RegistrySnapshot
        {
            Services = new Dictionary<string, IReadOnlyList<ServiceInstance>>
            {
                ["orders"] = [new ServiceInstance { Service = "orders", Id = "orders-1", Host = "127.0.0.1", Ports = [new ServicePort("http", port, "http")] }],
            },
        }));

        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton<IMeshCatalog>(_catalog);
        services.AddServiceDiscoveryCore().AddMeshServiceEndpointProvider();
        services.AddHttpClient("fixed", c => c.BaseAddress = new Uri($"http://127.0.0.1:{port}"));
        services.AddHttpClient("mesh", static c => c.BaseAddress = new Uri("http://orders")).AddServiceDiscovery();
        _services = services.BuildServiceProvider();
        var factory = _services.GetRequiredService<IHttpClientFactory>();
        _fixed = factory.CreateClient("fixed");
        _mesh = factory.CreateClient("mesh");
        if (_mesh.GetStringAsync("/ping").GetAwaiter().GetResult() != "pong")
        {
            throw new InvalidOperationException("the mesh client did not reach the backend");
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _services.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _catalog.Dispose();
        _backend.StopAsync().GetAwaiter().GetResult();
        _backend.DisposeAsync().AsTask().GetAwaiter().GetResult();
    }

    [Benchmark(Baseline = true, Description = "GET fixed URI")]
    public Task<string> FixedUri() => _fixed.GetStringAsync("/ping");

    [Benchmark(Description = "GET http://orders via mesh provider")]
    public Task<string> ThroughMeshProvider() => _mesh.GetStringAsync("/ping");
}
