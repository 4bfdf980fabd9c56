using System.CommandLine;
using System.Globalization;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Registry.Adapters.Sync;

/// <summary>
/// <c>mesh-sync sync</c>: mirrors the merged catalog of the sources into the target registries. <c>--once</c>,
/// <c>--dry-run</c> and <c>--purge</c> run one pass and print its plan; otherwise it reconciles until interrupted.
/// </summary>
internal static class SyncCommand
{
    public static async Task<int> RunAsync(ParseResult result, CliOptions options, SyncCliOptions cli, CliEnvironment env, CancellationToken cancellationToken)
    {
        var output = result.GetValue(options.Output);
        var json = output is null ? !env.IsOutputTerminal : output == "json";
        var (section, registries) = MeshSyncConfiguration.Build(result.GetValue(options.Config), options.GetShortcutRegistries(result));
        if (registries == 0)
        {
            throw new CliUsageException("sync needs registries: give --config PATH or shortcuts such as --consul URL, and name the targets with --to NAME.");
        }

        var sync = Bind(section);
        cli.Apply(result, sync);
        var once = result.GetValue(cli.Once) || sync.DryRun || sync.Purge;
        var errors = sync.Validate("Mesh:Sync");
        if (errors.Count > 0)
        {
            throw new CliUsageException(string.Join(" ", errors));
        }

        var serve = cli.Serve.GetSettings(result);
        if (serve is not null && once)
        {
            throw new CliUsageException("--listen serves beside a running sync; leave out --once, --dry-run and --purge (or use 'mesh-sync serve').");
        }

        var session = await MeshSession.StartAsync(section, useEmbeddedDefault: false, env, result.GetValue(options.Verbose), cancellationToken).ConfigureAwait(false);
        await using (session.ConfigureAwait(false))
        {
            var targets = ResolveTargets(session, sync);
            var store = ResolveElectionStore(session, sync);
            var leadership = new SyncLeadershipState(sync);
            var host = serve is null
                ? null
                : await StartServingAsync(session, serve with { Leadership = leadership.Describe, LeadershipShards = leadership.Shards }, result.GetValue(options.Verbose), env, cancellationToken).ConfigureAwait(false);
            try
            {
                var timeout = result.GetValue(options.Timeout);
                await session.WaitForInitialSyncAsync(timeout, cancellationToken).ConfigureAwait(false);

                // A dry run writes nothing, so it does not campaign (it would take leadership from the running leader): it plans every shard.
                return store is null || sync.DryRun
                    ? await RunUnelectedAsync(session, targets, sync, once, json, env, cancellationToken).ConfigureAwait(false)
                    : await RunElectedAsync(session, targets, sync, store, leadership, once, json, timeout, env, cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                if (host is not null)
                {
                    await host.DisposeAsync().ConfigureAwait(false);
                }
            }
        }
    }

    private static async Task<int> RunUnelectedAsync(MeshSession session, IReadOnlyList<IServiceRegistryWriter> targets, SyncOptions sync, bool once, bool json, CliEnvironment env, CancellationToken cancellationToken)
    {
        using var engine = new MeshSyncEngine(
            session.Catalog,
            targets,
            sync,
            null,
            session.Services.GetService<TimeProvider>(),
            session.Services.GetService<ILogger<MeshSyncEngine>>(),
            session.Services.GetService<IMeterFactory>());
        if (once)
        {
            var pass = await engine.RunOnceAsync(cancellationToken).ConfigureAwait(false);
            await SyncPlanPrinter.WriteAsync(pass, sync, json, env).ConfigureAwait(false);
            return sync.DryRun ? ExitCodes.Ok : pass.Errors.Count > 0 || FailedSources(session, sync) ? ExitCodes.RegistryFailed : ExitCodes.Ok;
        }

        engine.PassCompleted = pass => SyncPlanPrinter.WriteSummary(pass, env);
        await env.Error.WriteLineAsync($"mesh-sync: syncing into {string.Join(", ", targets.Select(static t => t.Name))} as '{sync.SyncId}'; Ctrl+C stops.").ConfigureAwait(false);
        await engine.RunAsync(cancellationToken).ConfigureAwait(false);
        return ExitCodes.Ok;
    }

    /// <summary>
    /// With leader election: running, a standby reads and waits, a leader writes its shards; <c>--once</c> and <c>--purge</c>
    /// wait (up to <c>--timeout</c>) until this replica leads every shard, run one pass, and step down.
    /// </summary>
    private static async Task<int> RunElectedAsync(
        MeshSession session, IReadOnlyList<IServiceRegistryWriter> targets, SyncOptions sync, ISyncElectionStore store, SyncLeadershipState leadership,
        bool once, bool json, TimeSpan timeout, CliEnvironment env, CancellationToken cancellationToken)
    {
        var loggers = session.Services.GetService<ILoggerFactory>();
        var election = SyncShardCoordinator.CreateElection(store, sync, loggers);
        await using (election.ConfigureAwait(false))
        {
            var coordinator = new SyncShardCoordinator(session.Catalog, targets, sync, election, session.Services.GetService<TimeProvider>(), loggers, session.Services.GetService<IMeterFactory>());
            await using (coordinator.ConfigureAwait(false))
            {
                leadership.Attach(coordinator);
                var shards = sync.Shards == 1 ? "" : string.Create(CultureInfo.InvariantCulture, $", {sync.Shards} shards");
                var where = $"leader election in {sync.LeaderElection.Kind} '{StoreName(session, store)}' as '{ServiceInstanceValidator.Printable(election.Identity)}'{shards}";
                coordinator.LeadershipChanged = (shard, leads) => env.Error.WriteLine(
                    sync.Shards == 1
                        ? $"mesh-sync: {(leads ? "leader: writing" : "standby: reading, not writing")}"
                        : string.Create(CultureInfo.InvariantCulture, $"mesh-sync: shard {shard} of {sync.Shards}: {(leads ? "leader: writing" : "standby: reading, not writing")}"));
                if (once)
                {
                    await env.Error.WriteLineAsync($"mesh-sync: {where}: waiting up to {Seconds(timeout)} (--timeout) to lead every shard before the pass.").ConfigureAwait(false);
                    IReadOnlyList<SyncPassResult> passes;
                    {
                        try
                        {
                            // The timeout bounds the wait for leadership only: a pass under way is never cut short.
                            passes = await coordinator.RunOnceAsync(timeout, cancellationToken).ConfigureAwait(false);
                        }
                        catch (TimeoutException)
                        {
                            var missing = Enumerable.Range(0, sync.Shards).Except(coordinator.LeadingShards).ToList();
                            await env.Error.WriteLineAsync($"mesh-sync: another replica leads {(sync.Shards == 1 ? "the election" : $"shard(s) {string.Join(", ", missing)}")} after {Seconds(timeout)} (--timeout); nothing was written. Stop the running sync, or give a longer --timeout.").ConfigureAwait(false);
                            return ExitCodes.RegistryFailed;
                        }
                    }

                    var pass = SyncPassResults.Merge(passes);
                    await SyncPlanPrinter.WriteAsync(pass, sync, json, env).ConfigureAwait(false);
                    return pass.Errors.Count > 0 || FailedSources(session, sync) ? ExitCodes.RegistryFailed : ExitCodes.Ok;
                }

                coordinator.PassCompleted = pass => SyncPlanPrinter.WriteSummary(pass, env);
                await env.Error.WriteLineAsync($"mesh-sync: syncing into {string.Join(", ", targets.Select(static t => t.Name))} as '{sync.SyncId}', {where}; standby (reading, not writing) until elected; Ctrl+C stops.").ConfigureAwait(false);
                await coordinator.RunAsync(cancellationToken).ConfigureAwait(false);
                return ExitCodes.Ok;
            }
        }
    }

    private static string Seconds(TimeSpan span) => string.Create(CultureInfo.InvariantCulture, $"{span.TotalSeconds:0.#} s");

    private static bool FailedSources(MeshSession session, SyncOptions sync) =>
        session.Catalog.Current.Registries.Any(r => r.State is RegistryState.Failed or RegistryState.Stale && !sync.To.Contains(r.Name, StringComparer.Ordinal));

    private static string StoreName(MeshSession session, ISyncElectionStore store) =>
        session.Registries.FirstOrDefault(r => ReferenceEquals(r, store))?.Name ?? "?";

    /// <summary>The registry that holds the election: the one named by <c>--leader-elect-registry</c>, else the only one of the kind.</summary>
    private static ISyncElectionStore? ResolveElectionStore(MeshSession session, SyncOptions sync)
    {
        try
        {
            return SyncShardCoordinator.FindElectionStore(session.Registries, sync.LeaderElection);
        }
        catch (InvalidOperationException ex)
        {
            throw new CliUsageException(ex.Message, ex);
        }
    }

    /// <summary>Serves the catalog beside the sync (<c>--listen</c>), before the first snapshot, so <c>/readyz</c> tells when it is synced.</summary>
    private static async Task<Serve.ServeHost> StartServingAsync(MeshSession session, Serve.ServeSettings settings, bool verbose, CliEnvironment env, CancellationToken cancellationToken)
    {
        Serve.ServeHost host;
        try
        {
            host = await Serve.ServeHost.StartAsync(session.Catalog, settings, new StderrLoggerProvider(env.Error, verbose ? LogLevel.Debug : LogLevel.Warning), cancellationToken).ConfigureAwait(false);
        }
        catch (IOException ex)
        {
            throw new CliUsageException($"--listen: cannot listen on {settings.Listen}: {ex.Message}", ex);
        }

        await env.Error.WriteLineAsync($"mesh-sync: serving {host.Address} beside the sync (dashboard /, API /v1/catalog, /readyz, /metrics){(settings.Token is null ? "" : "; /v1 and /metrics need the bearer token")}").ConfigureAwait(false);
        return host;
    }

    private static SyncOptions Bind(IConfigurationSection mesh)
    {
        var sync = new SyncOptions();
        try
        {
            mesh.GetSection("Sync").Bind(sync);
        }
        catch (InvalidOperationException ex)
        {
            throw new CliUsageException($"Mesh:Sync: {ex.Message}", ex);
        }

        return sync;
    }

    private static IReadOnlyList<IServiceRegistryWriter> ResolveTargets(MeshSession session, SyncOptions sync)
    {
        var known = session.Registries;
        IReadOnlyList<IServiceRegistryWriter> writers;
        try
        {
            writers = SyncTargets.Resolve(known, sync);
        }
        catch (ArgumentException ex)
        {
            throw new CliUsageException($"--to: {ex.Message}", ex);
        }

        foreach (var name in sync.From.Where(f => !known.Any(r => string.Equals(r.Name, f, StringComparison.OrdinalIgnoreCase))))
        {
            throw new CliUsageException($"--from: no registry is named '{ServiceInstanceValidator.Printable(name)}'; the registries are {string.Join(", ", known.Select(static r => r.Name))}.");
        }

        return writers;
    }
}
