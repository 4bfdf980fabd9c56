using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Registry.Adapters.Sync;

/// <summary>
/// One run of the mesh inside the console: a generic host with <c>AddMeshRegistry</c>, as any app builds it. Starting
/// the host validates the settings and starts every registry's watch; the commands read <see cref="IMeshCatalog"/>.
/// </summary>
internal sealed class MeshSession : IAsyncDisposable
{
    /// <summary>The name of the sample catalog embedded in the console.</summary>
    public const string EmbeddedCatalogResource = "Registry.Adapters.Sync.catalog.json";

    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(5);
    private readonly IHost _host;
    private readonly IMeshRegistries _registries;
    private bool _started;

    private MeshSession(IHost host)
    {
        _host = host;
        _registries = host.Services.GetRequiredService<IMeshRegistries>();
        Catalog = host.Services.GetRequiredService<IMeshCatalog>();
        Options = host.Services.GetRequiredService<IOptions<MeshOptions>>().Value;
    }

    public IMeshCatalog Catalog { get; }

    public MeshOptions Options { get; }

    /// <summary>The running registries (the sync looks its targets up here).</summary>
    public IReadOnlyList<IServiceRegistry> Registries => _registries.Running;

    /// <summary>The application's services (logging, time, metrics) for what the console builds beside the mesh.</summary>
    public IServiceProvider Services => _host.Services;

    /// <summary>Builds the mesh and starts every registry's watch, logging at Debug when <paramref name="verbose"/>, else Warning.</summary>
    /// <exception cref="CliUsageException">The settings are invalid.</exception>
    public static Task<MeshSession> StartAsync(IConfigurationSection mesh, bool useEmbeddedDefault, CliEnvironment env, bool verbose, CancellationToken cancellationToken) =>
        StartAsync(mesh, useEmbeddedDefault, env, verbose ? LogLevel.Debug : LogLevel.Warning, cancellationToken);

    /// <summary>Builds the mesh and starts every registry's watch.</summary>
    /// <exception cref="CliUsageException">The settings are invalid.</exception>
    public static async Task<MeshSession> StartAsync(IConfigurationSection mesh, bool useEmbeddedDefault, CliEnvironment env, LogLevel logLevel, CancellationToken cancellationToken)
    {
        // The empty builder: no appsettings.json or environment variables of the working directory, no console logger;
        // the command line is the configuration.
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Logging.ClearProviders();
        builder.Logging.SetMinimumLevel(logLevel);
        builder.Logging.AddProvider(new StderrLoggerProvider(env.Error, logLevel));

        // A failed start is the command's one line on stderr ("mesh-sync: Mesh:…"), not also the host's log line.
        builder.Logging.AddFilter("Microsoft.Extensions.Hosting", logLevel <= LogLevel.Debug ? logLevel : LogLevel.Critical);

        // The program handles Ctrl+C and SIGTERM itself (a command ends, then the host stops).
        builder.Services.AddSingleton<IHostLifetime, CommandLifetime>();
        builder.Services.Configure<HostOptions>(static o => o.ShutdownTimeout = StopTimeout);

        // The library's meters (catalog, registries) for serve's /metrics.
        builder.Services.AddMetrics();
        var meshBuilder = builder.Services.AddMeshRegistry(mesh);
        foreach (var provider in RegistryProviders.All)
        {
            meshBuilder.AddProvider(provider);
        }

        // Each command waits for the initial sync itself, bounded by --timeout and with the status line.
        builder.Services.PostConfigure<MeshOptions>(static o => o.WaitForInitialSync = false);
        if (useEmbeddedDefault)
        {
            meshBuilder.AddFileContent("file", ReadEmbeddedCatalog(), "the embedded sample catalog (samples/catalog.json)");
        }

        var host = builder.Build();
        var started = false;
        try
        {
            await host.StartAsync(cancellationToken).ConfigureAwait(false);
            started = true;
            return new MeshSession(host) { _started = true };
        }
        catch (Exception ex) when (Describe(ex) is { } invalid)
        {
            await StopAsync(host, started).ConfigureAwait(false);
            throw new CliUsageException(ConfigurationErrors.Describe(invalid), ex);
        }
        catch
        {
            await StopAsync(host, started).ConfigureAwait(false);
            throw;
        }
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
        var started = _started;
        _started = false;
        await StopAsync(_host, started).ConfigureAwait(false);
    }

    /// <summary>
    /// The settings errors of a failed start, as one text: options validation (every message naming its setting), and
    /// the configuration binder's "Failed to convert configuration value at 'Mesh:…'"; <see langword="null"/> for any other failure.
    /// </summary>
    private static string? Describe(Exception exception) => exception switch
    {
        OptionsValidationException invalid => string.Join(" ", invalid.Failures),
        AggregateException many when many.Flatten().InnerExceptions is { Count: > 0 } inner && inner.All(static e => Describe(e) is not null) =>
            string.Join(" ", inner.Select(static e => Describe(e))),
        InvalidOperationException conversion => conversion.Message,
        _ => null,
    };

    private static async Task StopAsync(IHost host, bool started)
    {
        if (started)
        {
            using var stop = new CancellationTokenSource(StopTimeout);
            await host.StopAsync(stop.Token).ConfigureAwait(false);
        }

        if (host is IAsyncDisposable disposable)
        {
            await disposable.DisposeAsync().ConfigureAwait(false);
        }
        else
        {
            host.Dispose();
        }
    }

    private static byte[] ReadEmbeddedCatalog()
    {
        using var stream = typeof(MeshSession).Assembly.GetManifestResourceStream(EmbeddedCatalogResource)
            ?? throw new InvalidOperationException($"The console was built without its embedded catalog '{EmbeddedCatalogResource}'.");
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }

    /// <summary>A host lifetime that leaves signals to the program: the host starts and stops when the command says so.</summary>
    private sealed class CommandLifetime : IHostLifetime
    {
        public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
