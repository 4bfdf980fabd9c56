using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Registry.Adapters.Hosting;

/// <summary>
/// With <see cref="MeshOptions.WaitForInitialSync"/>, holds host start until every registry has synced once. Registered
/// right after <see cref="MeshHostedService"/>, so the registries are in the catalog when it runs, and before the web
/// server (ASP.NET Core starts its server after the app's hosted services), so no request meets an empty catalog.
/// </summary>
internal sealed partial class MeshStartupGate(
    IMeshCatalog catalog,
    IOptions<MeshOptions> options,
    TimeProvider? timeProvider = null,
    ILogger<MeshStartupGate>? logger = null) : IHostedService
{
    private readonly TimeProvider _time = timeProvider ?? TimeProvider.System;
    private readonly ILogger _logger = logger ?? (ILogger)NullLogger.Instance;

    /// <inheritdoc />
    /// <exception cref="TimeoutException">A registry did not sync in time and <see cref="MeshOptions.FailStartOnInitialSyncTimeout"/> is set.</exception>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var settings = options.Value;
        if (!settings.WaitForInitialSync)
        {
            return;
        }

        var timeout = settings.InitialSyncTimeout;
        var started = _time.GetTimestamp();
        using var timer = timeout > TimeSpan.Zero && timeout != Timeout.InfiniteTimeSpan ? new CancellationTokenSource(timeout, _time) : null;
        using var linked = timer is null ? null : CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timer.Token);
        var token = linked?.Token ?? cancellationToken;
        Log.Waiting(_logger, catalog.Current.Registries.Length, timeout);
        try
        {
            await WaitAllSyncedAsync(token).ConfigureAwait(false);
            Log.Synced(_logger, catalog.Current.Registries.Length, _time.GetElapsedTime(started));
        }
        catch (OperationCanceledException) when (timer?.IsCancellationRequested == true && !cancellationToken.IsCancellationRequested)
        {
            var pending = string.Join(", ", catalog.Current.Registries
                .Where(static r => r.State is RegistryState.Syncing or RegistryState.Failed)
                .Select(static r => r.Error is null ? $"{r.Name} ({Describe(r.State)})" : $"{r.Name} ({Describe(r.State)}: {r.Error})"));
            if (settings.FailStartOnInitialSyncTimeout)
            {
                throw new TimeoutException(
                    $"The mesh did not sync within Mesh:InitialSyncTimeout ({timeout}); not synced: {pending}. "
                    + "Fix the registries, raise Mesh:InitialSyncTimeout, or unset Mesh:FailStartOnInitialSyncTimeout to start anyway.");
            }

            Log.TimedOut(_logger, timeout, pending);
        }
    }

    /// <inheritdoc />
    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private async Task WaitAllSyncedAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            // The token before the snapshot: a snapshot published in between has already fired it.
            var changed = catalog.GetChangeToken();
            if (catalog.Current.Registries.All(static r => r.State is RegistryState.Ready or RegistryState.Stale))
            {
                return;
            }

            var next = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            using (changed.RegisterChangeCallback(static s => ((TaskCompletionSource)s!).TrySetResult(), next))
            {
                await next.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private static string Describe(RegistryState state) => state == RegistryState.Failed ? "failed" : "syncing";

    private static partial class Log
    {
        [LoggerMessage(1130, LogLevel.Information, "Waiting for the initial sync of {Registries} registries (at most {Timeout})")]
        public static partial void Waiting(ILogger logger, int registries, TimeSpan timeout);

        [LoggerMessage(1131, LogLevel.Information, "Every registry of the mesh synced ({Registries} in {Elapsed})")]
        public static partial void Synced(ILogger logger, int registries, TimeSpan elapsed);

        [LoggerMessage(1132, LogLevel.Warning, "The mesh did not sync within {Timeout}; starting anyway. Not synced: {Pending}")]
        public static partial void TimedOut(ILogger logger, TimeSpan timeout, string pending);
    }
}
