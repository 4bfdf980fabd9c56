using System.CommandLine;
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
            ISyncLeadership? leadership = null;
            var host = serve is null
                ? null
                : await StartServingAsync(session, serve with { Leadership = () => SyncLeadershipState.Describe(leadership) }, result.GetValue(options.Verbose), env, cancellationToken).ConfigureAwait(false);
            try
            {
                await session.WaitForInitialSyncAsync(result.GetValue(options.Timeout), cancellationToken).ConfigureAwait(false);
                using var engine = new MeshSyncEngine(
                    session.Catalog,
                    targets,
                    sync,
                    leadership,
                    session.Services.GetService<TimeProvider>(),
                    session.Services.GetService<ILogger<MeshSyncEngine>>(),
                    session.Services.GetService<IMeterFactory>());
                if (once)
                {
                    var pass = await engine.RunOnceAsync(cancellationToken).ConfigureAwait(false);
                    await SyncPlanPrinter.WriteAsync(pass, sync, json, env).ConfigureAwait(false);
                    var failedSources = session.Catalog.Current.Registries.Any(r => r.State is RegistryState.Failed or RegistryState.Stale && !sync.To.Contains(r.Name, StringComparer.Ordinal));
                    return sync.DryRun ? ExitCodes.Ok : pass.Errors.Count > 0 || failedSources ? ExitCodes.RegistryFailed : ExitCodes.Ok;
                }

                engine.PassCompleted = pass => SyncPlanPrinter.WriteSummary(pass, env);
                await env.Error.WriteLineAsync($"mesh-sync: syncing into {string.Join(", ", targets.Select(static t => t.Name))} as '{sync.SyncId}'; Ctrl+C stops.").ConfigureAwait(false);
                await engine.RunAsync(cancellationToken).ConfigureAwait(false);
                return ExitCodes.Ok;
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
