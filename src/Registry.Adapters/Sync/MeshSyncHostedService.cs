using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Registry.Adapters.Sync;

/// <summary>
/// Runs the sync in a hosted app (<c>services.AddMeshSync(...)</c>), after the mesh's watches started: the
/// <see cref="MeshSyncEngine"/>, or with <c>Mesh:Sync:LeaderElection</c> a <see cref="SyncShardCoordinator"/> whose election
/// is held by the registry <see cref="SyncShardCoordinator.FindElectionStore"/> finds.
/// </summary>
internal sealed class MeshSyncHostedService(IServiceProvider services, IOptions<SyncOptions> options) : BackgroundService
{
    /// <summary>The running engine without leader election, once started.</summary>
    public MeshSyncEngine? Engine { get; private set; }

    /// <summary>The running coordinator with leader election, once started.</summary>
    public SyncShardCoordinator? Coordinator { get; private set; }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var sync = options.Value;
        var registries = services.GetRequiredService<IMeshRegistries>().Running;
        IReadOnlyList<IServiceRegistryWriter> writers;
        try
        {
            writers = SyncTargets.Resolve(registries, sync);
        }
        catch (ArgumentException ex)
        {
            throw new OptionsValidationException(Options.DefaultName, typeof(SyncOptions), [$"Mesh:Sync:To: {ex.Message}"]);
        }

        ISyncElectionStore? store;
        try
        {
            store = SyncShardCoordinator.FindElectionStore(registries, sync.LeaderElection);
        }
        catch (InvalidOperationException ex)
        {
            throw new OptionsValidationException(Options.DefaultName, typeof(SyncOptions), [ex.Message]);
        }

        var time = services.GetService<TimeProvider>();
        var meters = services.GetService<IMeterFactory>();
        if (store is not null)
        {
            var loggers = services.GetService<ILoggerFactory>();
            var election = SyncShardCoordinator.CreateElection(store, sync, loggers);
            await using (election.ConfigureAwait(false))
            {
                Coordinator = new SyncShardCoordinator(services.GetRequiredService<IMeshCatalog>(), writers, sync, election, time, loggers, meters);
                await using (Coordinator.ConfigureAwait(false))
                {
                    await Coordinator.RunAsync(stoppingToken).ConfigureAwait(false);
                }
            }

            return;
        }

        Engine = new MeshSyncEngine(
            services.GetRequiredService<IMeshCatalog>(),
            writers,
            sync,
            services.GetService<ISyncLeadership>(),
            time,
            services.GetService<ILogger<MeshSyncEngine>>(),
            meters);
        try
        {
            await Engine.RunAsync(stoppingToken).ConfigureAwait(false);
        }
        finally
        {
            Engine.Dispose();
        }
    }
}
