using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Registry.Adapters.Testing;

/// <summary>
/// A mesh built and run as an application runs it — <c>services.AddMeshRegistry(…)</c> on a started generic host — for
/// tests that look at the catalog (<see cref="IMeshCatalog"/>) a consumer gets, through the public API only. Registries
/// come from the builder: a backend's own (<c>mesh.AddConsul(…)</c>), a registry the test created
/// (<see cref="MeshTestHostExtensions.AddTestRegistry"/>), or a <see cref="ReplayRegistry"/> that publishes what the
/// test gives it.
/// </summary>
public sealed class MeshTestHost : IAsyncDisposable
{
    private readonly IHost _host;

    private MeshTestHost(IHost host)
    {
        _host = host;
        Catalog = host.Services.GetRequiredService<IMeshCatalog>();
    }

    /// <summary>The catalog.</summary>
    public IMeshCatalog Catalog { get; }

    /// <summary>The host's services.</summary>
    public IServiceProvider Services => _host.Services;

    /// <summary>Builds the host and starts it; the registries' watches are running when it returns.</summary>
    /// <param name="registries">Adds the registries to the mesh.</param>
    /// <param name="configure">Sets the mesh options (aliases, drop guard, change coalescing).</param>
    /// <param name="services">Adds or replaces services before the host is built (a <c>FakeTimeProvider</c> as <see cref="TimeProvider"/>).</param>
    /// <returns>The started host; dispose it to stop the mesh.</returns>
    public static async Task<MeshTestHost> StartAsync(Action<IMeshRegistryBuilder> registries, Action<MeshOptions>? configure = null, Action<IServiceCollection>? services = null)
    {
        ArgumentNullException.ThrowIfNull(registries);
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        services?.Invoke(builder.Services);
        if (configure is not null)
        {
            builder.Services.Configure(configure);
        }

        registries(builder.Services.AddMeshRegistry());
        var host = builder.Build();
        try
        {
            await host.StartAsync().WaitAsync(Poll.Timeout);
        }
        catch
        {
            host.Dispose();
            throw;
        }

        return new MeshTestHost(host);
    }

    /// <summary>Starts a mesh of one <see cref="ReplayRegistry"/> and applies <paramref name="events"/> to it: the catalog a consumer of those events sees.</summary>
    /// <param name="registry">The registry's name.</param>
    /// <param name="kind">The registry's kind.</param>
    /// <param name="events">The events, in order (<see cref="WatchRecorder.Events"/> of a real backend's watch).</param>
    /// <param name="configure">Sets the mesh options.</param>
    /// <returns>The started host, every event applied.</returns>
    public static async Task<MeshTestHost> ReplayAsync(string registry, string kind, IEnumerable<RegistryEvent> events, Action<MeshOptions>? configure = null)
    {
        var replay = new ReplayRegistry(registry, kind);
        var host = await StartAsync(mesh => mesh.AddTestRegistry(replay), configure);
        await replay.ApplyAsync(events);
        return host;
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await _host.StopAsync(TimeSpan.FromSeconds(10));
        _host.Dispose();
    }
}

/// <summary>Adds registries a test created to a mesh.</summary>
public static class MeshTestHostExtensions
{
    /// <summary>Adds a registry the test created; the mesh runs its watch and disposes it when the host stops.</summary>
    /// <param name="mesh">The mesh builder.</param>
    /// <param name="registry">The registry.</param>
    /// <param name="priority">Its merge priority, or <see langword="null"/> for its order.</param>
    /// <param name="nameTemplate">Its mesh-name template, or <see langword="null"/> for the kind's default.</param>
    /// <returns>The builder.</returns>
    public static IMeshRegistryBuilder AddTestRegistry(this IMeshRegistryBuilder mesh, IServiceRegistry registry, int? priority = null, string? nameTemplate = null)
    {
        ArgumentNullException.ThrowIfNull(mesh);
        ArgumentNullException.ThrowIfNull(registry);
        return mesh.AddRegistry(new RegistryDefinition(registry.Name, registry.Kind, _ => registry) { Priority = priority, NameTemplate = nameTemplate });
    }
}
