using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Registry.Adapters.Hosting;

namespace Registry.Adapters.Sync;

/// <summary>One run of the mesh inside the console: services, the hosted watches, and the catalog.</summary>
internal sealed class MeshSession : IAsyncDisposable
{
    /// <summary>The name of the sample catalog embedded in the console.</summary>
    public const string EmbeddedCatalogResource = "Registry.Adapters.Sync.catalog.json";

    private readonly ServiceProvider _services;
    private readonly MeshHostedService _hosted;
    private bool _started;

    private MeshSession(ServiceProvider services)
    {
        _services = services;
        _hosted = services.GetRequiredService<MeshHostedService>();
        Catalog = services.GetRequiredService<MeshCatalog>();
        Options = services.GetRequiredService<IOptions<MeshOptions>>().Value;
    }

    public MeshCatalog Catalog { get; }

    public MeshOptions Options { get; }

    /// <summary>The running registries (the sync looks its targets up here).</summary>
    public IReadOnlyList<IServiceRegistry> Registries => _hosted.Registries;

    /// <summary>The application's services (logging, time, metrics) for what the console builds beside the mesh.</summary>
    public IServiceProvider Services => _services;

    /// <summary>Builds the mesh and starts every registry's watch, logging at Debug when <paramref name="verbose"/>, else Warning.</summary>
    /// <exception cref="CliUsageException">The settings are invalid.</exception>
    public static Task<MeshSession> StartAsync(IConfigurationSection mesh, bool useEmbeddedDefault, CliEnvironment env, bool verbose, CancellationToken cancellationToken) =>
        StartAsync(mesh, useEmbeddedDefault, env, verbose ? LogLevel.Debug : LogLevel.Warning, cancellationToken);

    /// <summary>Builds the mesh and starts every registry's watch.</summary>
    /// <exception cref="CliUsageException">The settings are invalid.</exception>
    public static async Task<MeshSession> StartAsync(IConfigurationSection mesh, bool useEmbeddedDefault, CliEnvironment env, LogLevel logLevel, CancellationToken cancellationToken)
    {
        var services = new ServiceCollection();
        services.AddLogging(logging =>
        {
            logging.ClearProviders();
            logging.SetMinimumLevel(logLevel);
            logging.AddProvider(new StderrLoggerProvider(env.Error, logLevel));
        });
        // The library's meters (catalog, registries) for serve's /metrics.
        services.AddMetrics();
        var builder = services.AddMeshRegistry(mesh);
        foreach (var provider in RegistryProviders.All)
        {
            builder.AddProvider(provider);
        }

        if (useEmbeddedDefault)
        {
            var content = ReadEmbeddedCatalog();
            builder.AddRegistry(new RegistryDefinition(FileRegistry.FileKind, FileRegistry.FileKind, sp => new FileRegistry(
                FileRegistry.FileKind,
                "the embedded sample catalog (samples/catalog.json)",
                content,
                sp.GetService<ILogger<FileRegistry>>())));
        }

        var provider2 = services.BuildServiceProvider();
        MeshSession session;
        try
        {
            session = new MeshSession(provider2);
            await session._hosted.StartAsync(cancellationToken).ConfigureAwait(false);
            session._started = true;
        }
        catch (OptionsValidationException ex)
        {
            await provider2.DisposeAsync().ConfigureAwait(false);
            throw new CliUsageException(ConfigurationErrors.Describe(string.Join(" ", ex.Failures)), ex);
        }
        catch (InvalidOperationException ex)
        {
            // The configuration binder's "Failed to convert configuration value at 'Mesh:…'".
            await provider2.DisposeAsync().ConfigureAwait(false);
            throw new CliUsageException(ConfigurationErrors.Describe(ex.Message), ex);
        }

        return session;
    }

    /// <summary>Waits for the initial sync of every registry, bounded by <paramref name="timeout"/>.</summary>
    /// <returns><see langword="true"/> when the wait timed out.</returns>
    public async Task<bool> WaitForInitialSyncAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var bounded = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        bounded.CancelAfter(timeout);
        try
        {
            await Catalog.WaitForInitialSyncAsync(bounded.Token).ConfigureAwait(false);
            return false;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return true;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_started)
        {
            using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await _hosted.StopAsync(stop.Token).ConfigureAwait(false);
        }

        await _services.DisposeAsync().ConfigureAwait(false);
    }

    private static byte[] ReadEmbeddedCatalog()
    {
        using var stream = typeof(MeshSession).Assembly.GetManifestResourceStream(EmbeddedCatalogResource)
            ?? throw new InvalidOperationException($"The console was built without its embedded catalog '{EmbeddedCatalogResource}'.");
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }
}
