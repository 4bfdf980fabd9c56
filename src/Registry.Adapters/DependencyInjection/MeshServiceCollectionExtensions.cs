using System.Diagnostics.Metrics;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Registry.Adapters;
using Registry.Adapters.Hosting;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Adds the mesh catalog (<see cref="IMeshCatalog"/>), its registries (<see cref="IMeshRegistries"/>) and the hosted service that runs the registries' watches.</summary>
public static class MeshServiceCollectionExtensions
{
    /// <summary>Adds the mesh catalog, configured in code.</summary>
    /// <param name="services">The service collection.</param>
    /// <param name="configure">Adds registries (<c>mesh.AddFile("catalog.json")</c>) and kinds.</param>
    /// <returns>The mesh builder.</returns>
    public static IMeshRegistryBuilder AddMeshRegistry(this IServiceCollection services, Action<IMeshRegistryBuilder>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddOptions();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(static sp => new MeshCatalog(
            sp.GetRequiredService<IOptions<MeshOptions>>().Value,
            sp.GetService<TimeProvider>(),
            sp.GetService<ILogger<MeshCatalog>>(),
            sp.GetService<IMeterFactory>()));
        services.TryAddSingleton<IMeshCatalog>(static sp => sp.GetRequiredService<MeshCatalog>());
        services.TryAddSingleton<MeshRegistryPlanner>();
        services.TryAddSingleton<MeshHostedService>();
        services.TryAddSingleton<IMeshRegistries>(static sp => sp.GetRequiredService<MeshHostedService>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, MeshHostedService>(static sp => sp.GetRequiredService<MeshHostedService>()));
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, MeshStartupGate>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<MeshOptions>, MeshOptionsValidator>());
        services.AddOptionsWithValidateOnStart<MeshOptions>();

        var builder = new MeshRegistryBuilder(services);
        builder.AddFileProvider();
        configure?.Invoke(builder);
        return builder;
    }

    /// <summary>
    /// Adds the mesh catalog, configured from a section (usually <c>configuration.GetSection("Mesh")</c>):
    /// <c>Registries</c> (an array; order is priority), <c>Aliases</c>, <c>Services</c>, <c>DefaultMerge</c>,
    /// <c>StaleEvictionAfter</c>, <c>DropGuardRatio</c>, <c>ChangeQuietPeriod</c>, <c>ChangeMaxDelay</c>, <c>InitialSyncTimeout</c>, <c>WaitForInitialSync</c>, <c>FailStartOnInitialSyncTimeout</c>.
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <param name="meshSection">The <c>Mesh</c> section.</param>
    /// <returns>The mesh builder; registries added to it follow the configured ones unless given a priority.</returns>
    public static IMeshRegistryBuilder AddMeshRegistry(this IServiceCollection services, IConfiguration meshSection)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(meshSection);
        var builder = services.AddMeshRegistry();
        services.AddSingleton(new MeshConfigurationSource(meshSection));
        services.AddSingleton<IConfigureOptions<MeshOptions>>(new MeshOptionsBinder(meshSection));
        return builder;
    }
}
