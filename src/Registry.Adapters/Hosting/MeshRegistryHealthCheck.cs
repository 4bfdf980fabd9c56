using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Registry.Adapters.Hosting;

/// <summary>
/// The health of one registry of the mesh: Healthy when ready, Degraded when stale (its last-known-good instances
/// serve), Unhealthy before its first sync or when it failed. The description carries the registry's error, which the
/// catalog keeps free of secrets.
/// </summary>
internal sealed class MeshRegistryHealthCheck(IMeshCatalog catalog, string registry) : IHealthCheck
{
    /// <inheritdoc />
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        RegistryStatus? status = null;
        foreach (var candidate in catalog.Current.Registries)
        {
            if (string.Equals(candidate.Name, registry, StringComparison.Ordinal))
            {
                status = candidate;
                break;
            }
        }

        if (status is null)
        {
            return Task.FromResult(HealthCheckResult.Unhealthy($"Registry '{registry}' has not started."));
        }

        var data = new Dictionary<string, object>(4, StringComparer.Ordinal)
        {
            ["kind"] = status.Kind,
            ["state"] = status.State.ToString(),
            ["services"] = status.Services,
            ["instances"] = status.Instances,
        };
        var result = status.State switch
        {
            RegistryState.Ready => HealthCheckResult.Healthy($"Registry '{registry}' is ready.", data),
            RegistryState.Stale => HealthCheckResult.Degraded($"Registry '{registry}' is stale since {status.Since:O}, serving its last-known-good instances: {status.Error}", data: data),
            RegistryState.Failed => HealthCheckResult.Unhealthy($"Registry '{registry}' failed: {status.Error}", data: data),
            _ => HealthCheckResult.Unhealthy($"Registry '{registry}' has not synced yet.", data: data),
        };
        return Task.FromResult(result);
    }
}
