using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Registry.Adapters.Sync;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Adds the sync (mirroring the mesh into target registries) to a hosted app that has <c>AddMeshRegistry</c>.</summary>
public static class MeshSyncServiceCollectionExtensions
{
    /// <summary>Adds the sync, configured from a section in the shape of <c>Mesh:Sync</c>, then by <paramref name="configure"/>.</summary>
    /// <param name="services">The service collection.</param>
    /// <param name="section">The <c>Mesh:Sync</c> section, or <see langword="null"/>.</param>
    /// <param name="configure">Sets options in code (<c>o =&gt; o.To.Add("consul")</c>).</param>
    /// <returns>The service collection.</returns>
    public static IServiceCollection AddMeshSync(this IServiceCollection services, IConfiguration? section = null, Action<SyncOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        var builder = services.AddOptions<SyncOptions>();
        if (section is not null)
        {
            builder.Bind(section);
        }

        if (configure is not null)
        {
            builder.Configure(configure);
        }

        builder.Validate(static o => o.Validate().Count == 0, "Mesh:Sync is invalid: check To, SyncId, NameTemplate, MaxDeleteRatio, MaxWritesPerSecond, BatchSize, Resync, Shards and LeaderElection.");
        builder.ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, MeshSyncHostedService>());
        return services;
    }
}
