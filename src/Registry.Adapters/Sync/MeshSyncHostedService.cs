using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Registry.Adapters.Sync;

/// <summary>Runs the <see cref="MeshSyncEngine"/> in a hosted app (<c>services.AddMeshSync(...)</c>), after the mesh's watches started.</summary>
internal sealed class MeshSyncHostedService(IServiceProvider services, IOptions<SyncOptions> options) : BackgroundService
{
    /// <summary>The running engine, once started.</summary>
    public MeshSyncEngine? Engine { get; private set; }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var registries = services.GetRequiredService<IMeshRegistries>().Running;
        IReadOnlyList<IServiceRegistryWriter> writers;
        try
        {
            writers = SyncTargets.Resolve(registries, options.Value);
        }
        catch (ArgumentException ex)
        {
            throw new OptionsValidationException(Options.DefaultName, typeof(SyncOptions), [$"Mesh:Sync:To: {ex.Message}"]);
        }

        Engine = new MeshSyncEngine(
            services.GetRequiredService<IMeshCatalog>(),
            writers,
            options.Value,
            services.GetService<ISyncLeadership>(),
            services.GetService<TimeProvider>(),
            services.GetService<ILogger<MeshSyncEngine>>(),
            services.GetService<IMeterFactory>());
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
