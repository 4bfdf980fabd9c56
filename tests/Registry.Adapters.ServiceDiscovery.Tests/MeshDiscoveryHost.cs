using System.Collections.Immutable;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.ServiceDiscovery;
using Microsoft.Extensions.Time.Testing;

namespace Registry.Adapters.ServiceDiscovery.Tests;

/// <summary>
/// A container with a mesh catalog driven directly (one registry, "test"), MESD and the mesh provider, and the clock
/// frozen: MESD's 60 s refresh timer never fires, so any change a test sees was pushed.
/// </summary>
internal sealed class MeshDiscoveryHost : IAsyncDisposable
{
    private readonly ServiceProvider _provider;

    public MeshDiscoveryHost(
        Action<MeshServiceEndpointProviderOptions>? configure = null,
        IDictionary<string, string?>? configuration = null,
        Action<IServiceCollection>? before = null,
        Action<IServiceCollection>? after = null,
        bool addServiceDiscovery = true,
        MeshOptions? meshOptions = null)
    {
        Time = new FakeTimeProvider(new DateTimeOffset(2026, 12, 1, 12, 0, 0, TimeSpan.Zero));
        Catalog = new MeshCatalog(meshOptions ?? new MeshOptions(), Time);
        Catalog.AddRegistry("test", "memory", 0);
        Catalog.AddRegistry("backup", "memory", 1);
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder().AddInMemoryCollection(configuration ?? new Dictionary<string, string?>()).Build());
        services.AddSingleton<TimeProvider>(Time);
        services.AddSingleton<IMeshCatalog>(Catalog);
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
        Catalog.Apply("test", new RegistrySnapshotEvent(RegistrySnapshot.Empty));
        Catalog.Apply("backup", new RegistrySnapshotEvent(RegistrySnapshot.Empty));
    }

    public FakeTimeProvider Time { get; }

    public MeshCatalog Catalog { get; }

    public IServiceProvider Services => _provider;

    public ServiceEndpointResolver Resolver => _provider.GetRequiredService<ServiceEndpointResolver>();

    public HttpClient Client(string name = "orders") => _provider.GetRequiredService<IHttpClientFactory>().CreateClient(name);

    /// <summary>Sets the full instance set of one service in the "test" registry.</summary>
    public void Set(string service, params ServiceInstance[] instances) => Set("test", service, instances);

    public void Set(string registry, string service, params ServiceInstance[] instances) =>
        Catalog.Apply(registry, new ServiceChangedEvent(service, instances));

    public async Task<ImmutableArray<ServiceEndpoint>> ResolveAsync(string query)
    {
        var source = await Resolver.GetEndpointsAsync(query, CancellationToken.None);
        return [.. source.Endpoints];
    }

    public async ValueTask DisposeAsync()
    {
        await _provider.DisposeAsync();
        Catalog.Dispose();
    }
}
