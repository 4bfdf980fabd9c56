using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.ServiceDiscovery;
using Registry.Adapters;
using Registry.Adapters.ServiceDiscovery;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Adds the mesh catalog as a Microsoft.Extensions.ServiceDiscovery endpoint provider: <c>http://orders</c> resolves through the mesh.</summary>
public static class MeshServiceDiscoveryExtensions
{
    /// <summary>
    /// Adds the mesh endpoint provider to service discovery. Providers answer in registration order (MESD's pass-through
    /// provider always last): call this after <c>AddServiceDiscovery()</c> so explicit <c>Services:</c> configuration
    /// wins over the mesh, and before any DNS provider so the mesh wins over DNS.
    /// </summary>
    /// <param name="services">The service collection; <see cref="IMeshCatalog"/> must be registered (<c>AddMeshRegistry</c>).</param>
    /// <param name="configure">Widens or narrows the instances handed out (health, staleness, zone).</param>
    /// <returns>The service collection.</returns>
    public static IServiceCollection AddMeshServiceEndpointProvider(this IServiceCollection services, Action<MeshServiceEndpointProviderOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddServiceDiscoveryCore();
        services.AddOptions<MeshServiceEndpointProviderOptions>();
        if (configure is not null)
        {
            services.Configure(configure);
        }

        services.TryAddSingleton(static sp => new ServiceChangeTokens(sp.GetRequiredService<IMeshCatalog>()));
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IServiceEndpointProviderFactory, MeshServiceEndpointProviderFactory>());
        return services;
    }

    /// <summary>
    /// Makes the mesh a service-discovery endpoint provider (see <see cref="AddMeshServiceEndpointProvider"/>);
    /// <c>AddHttpClient(...).AddServiceDiscovery()</c> then resolves <c>http://orders</c> through the mesh.
    /// </summary>
    /// <param name="builder">The mesh builder.</param>
    /// <param name="configure">Widens or narrows the instances handed out (health, staleness, zone).</param>
    /// <returns>The mesh builder.</returns>
    public static IMeshRegistryBuilder AddServiceEndpointProvider(this IMeshRegistryBuilder builder, Action<MeshServiceEndpointProviderOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddMeshServiceEndpointProvider(configure);
        return builder;
    }
}
