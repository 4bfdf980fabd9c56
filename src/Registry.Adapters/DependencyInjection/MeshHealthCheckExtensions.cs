using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using Registry.Adapters;
using Registry.Adapters.Hosting;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Health checks for the registries of the mesh.</summary>
public static class MeshHealthCheckExtensions
{
    /// <summary>The tag every mesh registry health check carries unless others are given: map it to a readiness probe.</summary>
    public const string ReadyTag = "ready";

    /// <summary>
    /// Adds one health check per registry, named <c>mesh-registry:{name}</c> and tagged <c>ready</c>: Healthy when the
    /// registry is ready, Degraded when it is stale (its last-known-good instances are served), Unhealthy before its first
    /// sync or when it failed, with its (secret-free) error in the description.
    /// </summary>
    /// <param name="builder">The mesh builder.</param>
    /// <param name="tags">The tags of the checks. <value>The default value is <c>["ready"]</c>.</value></param>
    /// <returns>The mesh builder.</returns>
    public static IMeshRegistryBuilder AddHealthChecks(this IMeshRegistryBuilder builder, IEnumerable<string>? tags = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var tagList = tags?.ToArray() ?? [ReadyTag];
        builder.Services.AddHealthChecks();
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IConfigureOptions<HealthCheckServiceOptions>, MeshHealthCheckSetup>(
            sp => new MeshHealthCheckSetup(sp.GetRequiredService<MeshRegistryPlanner>(), sp.GetRequiredService<IOptions<MeshOptions>>(), tagList)));
        return builder;
    }

    /// <summary>Adds a registration per planned registry once the mesh options are known.</summary>
    private sealed class MeshHealthCheckSetup(MeshRegistryPlanner planner, IOptions<MeshOptions> options, string[] tags) : IConfigureOptions<HealthCheckServiceOptions>
    {
        public void Configure(HealthCheckServiceOptions healthChecks)
        {
            // An invalid plan fails host start with its own message; it has no registries to check.
            foreach (var planned in planner.Plan(options.Value).Registries)
            {
                var name = planned.Name;
                healthChecks.Registrations.Add(new HealthCheckRegistration(
                    $"mesh-registry:{name}",
                    sp => new MeshRegistryHealthCheck(sp.GetRequiredService<IMeshCatalog>(), name),
                    failureStatus: null,
                    tags: tags));
            }
        }
    }
}
