using System.Collections.Immutable;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.ServiceDiscovery;
using Microsoft.Extensions.Time.Testing;
using Registry.Adapters.Testing;

namespace Registry.Adapters.ServiceDiscovery.Tests;

/// <summary>
/// A container with the mesh as an application adds it (<c>AddMeshRegistry</c>, its hosted services started) over two
/// scripted registries, "test" and "backup", MESD and the mesh provider, and the clock frozen: MESD's 60 s refresh timer
/// never fires, so any change a test sees was pushed.
/// </summary>
internal sealed class MeshDiscoveryHost : IAsyncDisposable
{
    private readonly ServiceProvider _provider;
    private readonly List<IHostedService> _started = [];
    private readonly Dictionary<string, ReplayRegistry> _registries = new(StringComparer.Ordinal)
    {
        ["test"] = new ReplayRegistry("test"),
        ["backup"] = new ReplayRegistry("backup"),
    };

    private MeshDiscoveryHost(
        Action<MeshServiceEndpointProviderOptions>? configure,
        IDictionary<string, string?>? configuration,
        Action<IServiceCollection>? before,
        Action<IServiceCollection>? after,
        bool addServiceDiscovery,
        Action<MeshOptions>? meshOptions)
    {
        Time = new FakeTimeProvider(new DateTimeOffset(2026, 12, 1, 12, 0, 0, TimeSpan.Zero));
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder().AddInMemoryCollection(configuration ?? new Dictionary<string, string?>()).Build());
        services.AddSingleton<TimeProvider>(Time);
        if (meshOptions is not null)
        {
            services.Configure(meshOptions);
        }

        services.AddMeshRegistry(mesh => mesh.AddTestRegistry(_registries["test"], priority: 0).AddTestRegistry(_registries["backup"], priority: 1));
        before?.Invoke(services);
        if (addServiceDiscovery)
        {
            services.AddServiceDiscovery();
        }

        services.AddMeshServiceEndpointProvider(configure);
        after?.Invoke(services);
        services.AddHttpClient("orders", static c => c.BaseAddress = new Uri("http://orders")).AddServiceDiscovery();
        services.AddHttpClient("any").AddServiceDiscovery();
        _provider = services.BuildServiceProvider();
        Catalog = _provider.GetRequiredService<IMeshCatalog>();
    }

    public FakeTimeProvider Time { get; }

    public IMeshCatalog Catalog { get; }

    public IServiceProvider Services => _provider;

    public ServiceEndpointResolver Resolver => _provider.GetRequiredService<ServiceEndpointResolver>();

    /// <summary>Builds the container, starts its hosted services (the mesh's watches), and gives both registries an empty snapshot.</summary>
    public static async Task<MeshDiscoveryHost> StartAsync(
        Action<MeshServiceEndpointProviderOptions>? configure = null,
        IDictionary<string, string?>? configuration = null,
        Action<IServiceCollection>? before = null,
        Action<IServiceCollection>? after = null,
        bool addServiceDiscovery = true,
        Action<MeshOptions>? meshOptions = null)
    {
        var host = new MeshDiscoveryHost(configure, configuration, before, after, addServiceDiscovery, meshOptions);
        try
        {
            foreach (var hosted in host._provider.GetServices<IHostedService>())
            {
                await hosted.StartAsync(CancellationToken.None);
                host._started.Add(hosted);
            }

            await host._registries["test"].SnapshotAsync();
            await host._registries["backup"].SnapshotAsync();
            return host;
        }
        catch
        {
            await host.DisposeAsync();
            throw;
        }
    }

    public HttpClient Client(string name = "orders") => _provider.GetRequiredService<IHttpClientFactory>().CreateClient(name);

    /// <summary>Sets the full instance set of one service in the "test" registry, once the catalog has it.</summary>
    public Task SetAsync(string service, params ServiceInstance[] instances) => SetAsync("test", service, instances);

    public Task SetAsync(string registry, string service, params ServiceInstance[] instances) =>
        _registries[registry].SetAsync(service, instances);

    /// <summary>Reports a registry failed (its instances become stale), once the catalog has it.</summary>
    public Task FailAsync(string registry, string error) => _registries[registry].FailAsync(error);

    public async Task<ImmutableArray<ServiceEndpoint>> ResolveAsync(string query)
    {
        var source = await Resolver.GetEndpointsAsync(query, CancellationToken.None);
        return [.. source.Endpoints];
    }

    public async ValueTask DisposeAsync()
    {
        for (var i = _started.Count - 1; i >= 0; i--)
        {
            await _started[i].StopAsync(CancellationToken.None);
        }

        await _provider.DisposeAsync();
    }
}
