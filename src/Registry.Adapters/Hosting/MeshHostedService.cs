using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Registry.Adapters.Hosting;

/// <summary>
/// Runs the mesh: creates every registry, adds it to the <see cref="MeshCatalog"/>, and feeds its watch into
/// the catalog on a task of its own. A watch that throws is reported and restarted with backoff; one
/// registry's failure never touches another. Stopping cancels the watches and disposes the registries.
/// </summary>
internal sealed partial class MeshHostedService : IHostedService, IMeshRegistries, IAsyncDisposable
{
    private readonly MeshCatalog _catalog;
    private readonly MeshRegistryPlanner _planner;
    private readonly IOptions<MeshOptions> _options;
    private readonly IServiceProvider _services;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly List<(IServiceRegistry Registry, Task Watch)> _running = [];
    private readonly Lock _gate = new();
    private CancellationTokenSource? _stopping;
    private bool _started;

    public MeshHostedService(
        MeshCatalog catalog,
        MeshRegistryPlanner planner,
        IOptions<MeshOptions> options,
        IServiceProvider services,
        TimeProvider? timeProvider = null,
        ILogger<MeshHostedService>? logger = null)
    {
        _catalog = catalog;
        _planner = planner;
        _options = options;
        _services = services;
        _time = timeProvider ?? TimeProvider.System;
        _logger = logger ?? (ILogger)NullLogger.Instance;
    }

    /// <summary>The delays between restarts of a watch that threw; tests shorten them.</summary>
    internal Func<RetryBackoff> BackoffFactory { get; set; } = static () => new RetryBackoff();

    /// <inheritdoc />
    public IReadOnlyList<IServiceRegistry> Running
    {
        get
        {
            lock (_gate)
            {
                return [.. _running.Select(static r => r.Registry)];
            }
        }
    }

    /// <inheritdoc />
    /// <exception cref="OptionsValidationException">The mesh or a registry's settings are invalid.</exception>
    public Task StartAsync(CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            if (_started)
            {
                return Task.CompletedTask;
            }

            _started = true;
        }

        var plan = _planner.Plan(_options.Value);
        if (plan.Errors.Count > 0)
        {
            throw new OptionsValidationException(Options.DefaultName, typeof(MeshOptions), plan.Errors);
        }

        var created = CreateRegistries(plan.Registries);
        _stopping = new CancellationTokenSource();
        foreach (var (planned, registry, error) in created)
        {
            _catalog.AddRegistry(planned.Name, planned.Kind, planned.Priority, planned.NameTemplate, planned.DropGuardRatio, planned.IncludeMirrored);
            if (registry is null)
            {
                _catalog.ReportFailure(planned.Name, error!);
                continue;
            }

            Log.RegistryStarting(_logger, planned.Name, planned.Kind, planned.Priority);
            var token = _stopping.Token;
            var watch = Task.Run(() => RunWatchAsync(planned.Name, registry, token), CancellationToken.None);
            lock (_gate)
            {
                _running.Add((registry, watch));
            }
        }

        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        List<(IServiceRegistry Registry, Task Watch)> running;
        lock (_gate)
        {
            running = [.. _running];
            _running.Clear();
        }

        var stopping = Interlocked.Exchange(ref _stopping, null);
        if (stopping is not null)
        {
            await stopping.CancelAsync().ConfigureAwait(false);
        }

        try
        {
            await Task.WhenAll(running.Select(static r => r.Watch)).WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            Log.StopTimedOut(_logger);
        }

        foreach (var (registry, _) in running)
        {
            await DisposeRegistryAsync(registry).ConfigureAwait(false);
        }

        stopping?.Dispose();
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync() => await StopAsync(CancellationToken.None).ConfigureAwait(false);

    private List<(PlannedRegistry Planned, IServiceRegistry? Registry, string? Error)> CreateRegistries(IReadOnlyList<PlannedRegistry> plan)
    {
        var created = new List<(PlannedRegistry, IServiceRegistry?, string?)>(plan.Count);
        var invalid = new List<string>();
        foreach (var planned in plan)
        {
            try
            {
                created.Add((planned, planned.Create(_services), null));
            }
            catch (OptionsValidationException ex)
            {
                invalid.AddRange(ex.Failures);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                // One registry that cannot even be created must not stop the others: it shows as failed.
                var error = $"could not be created: {Describe(ex)}";
                Log.RegistryCreateFailed(_logger, planned.Name, error);
                created.Add((planned, null, error));
            }
        }

        if (invalid.Count > 0)
        {
            foreach (var (_, registry, _) in created)
            {
                if (registry is not null)
                {
                    DisposeRegistryAsync(registry).AsTask().GetAwaiter().GetResult();
                }
            }

            throw new OptionsValidationException(Options.DefaultName, typeof(MeshOptions), invalid);
        }

        return created;
    }

    private async ValueTask DisposeRegistryAsync(IServiceRegistry registry)
    {
        try
        {
            await registry.DisposeAsync().ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            Log.DisposeFailed(_logger, registry.Name, Describe(ex));
        }
    }

    private static string Describe(Exception ex) => ex is RegistryException ? ex.Message : $"{ex.GetType().Name}: {ex.Message}";
}
