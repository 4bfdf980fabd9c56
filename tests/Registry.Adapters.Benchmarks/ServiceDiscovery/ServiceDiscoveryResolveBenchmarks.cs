using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.ServiceDiscovery;

namespace Registry.Adapters.Benchmarks.ServiceDiscovery;

/// <summary>
/// Endpoint resolution through MESD's <see cref="ServiceEndpointResolver"/> over the same services, once with the mesh
/// provider and once with MESD's configuration provider (<c>Services:svc-N:http:0</c>). Every service is resolved once
/// in setup, so each operation is a warm hit on a service chosen round-robin across all of them.
/// </summary>
[MemoryDiagnoser]
public class ServiceDiscoveryResolveBenchmarks
{
    private ServiceProvider _meshServices = null!;
    private ServiceProvider _configServices = null!;
    private ServiceEndpointResolver _mesh = null!;
    private ServiceEndpointResolver _config = null!;
    private MeshCatalog _catalog = null!;
    private string[] _queries = [];
    private int _next;

    public static IEnumerable<int> ServiceCounts => BenchmarkSettings.Sizes(10, 1000);

    [ParamsSource(nameof(ServiceCounts))]
    public int Services { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _queries = [.. Enumerable.Range(0, Services).Select(static i => $"http://svc-{i}")];
        var services = new Dictionary<string, IReadOnlyList<ServiceInstance>>(Services);
        var configuration = new Dictionary<string, string?>(Services);
        for (var i = 0; i < Services; i++)
        {
            var host = $"10.{i / 65536 % 256}.{i / 256 % 256}.{i % 256}";
            services[$"svc-{i}"] = [new ServiceInstance { Service = $"svc-{i}", Id = $"svc-{i}-1", Host = host, Ports = [new ServicePort("http", 8080, "http")] }];
            configuration[$"Services:svc-{i}:http:0"] = $"http://{host}:8080";
        }

        _catalog = new MeshCatalog(new MeshOptions());
        _catalog.AddRegistry("bench", "memory", 0);
        _catalog.Apply("bench", new RegistrySnapshotEvent(new RegistrySnapshot { Services = services }));

        var mesh = new ServiceCollection();
        mesh.AddLogging();
        mesh.AddSingleton<IMeshCatalog>(_catalog);
        mesh.AddServiceDiscoveryCore().AddMeshServiceEndpointProvider();
        _meshServices = mesh.BuildServiceProvider();
        _mesh = _meshServices.GetRequiredService<ServiceEndpointResolver>();

        var config = new ServiceCollection();
        config.AddLogging();
        config.AddSingleton<IConfiguration>(new ConfigurationBuilder().AddInMemoryCollection(configuration).Build());
        config.AddServiceDiscoveryCore().AddConfigurationServiceEndpointProvider();
        _configServices = config.BuildServiceProvider();
        _config = _configServices.GetRequiredService<ServiceEndpointResolver>();

        foreach (var query in _queries)
        {
            Check(_mesh.GetEndpointsAsync(query, CancellationToken.None).AsTask().GetAwaiter().GetResult());
            Check(_config.GetEndpointsAsync(query, CancellationToken.None).AsTask().GetAwaiter().GetResult());
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _meshServices.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _configServices.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _catalog.Dispose();
    }

    [Benchmark(Baseline = true, Description = "MESD configuration provider")]
    public ValueTask<ServiceEndpointSource> Configuration() => _config.GetEndpointsAsync(NextQuery(), CancellationToken.None);

    [Benchmark(Description = "mesh provider")]
    public ValueTask<ServiceEndpointSource> Mesh() => _mesh.GetEndpointsAsync(NextQuery(), CancellationToken.None);

    private string NextQuery()
    {
        var i = _next + 1;
        _next = i == _queries.Length ? 0 : i;
        return _queries[_next];
    }

    private static void Check(ServiceEndpointSource source)
    {
        if (source.Endpoints.Count != 1)
        {
            throw new InvalidOperationException($"expected one endpoint, got {source.Endpoints.Count}");
        }
    }
}
