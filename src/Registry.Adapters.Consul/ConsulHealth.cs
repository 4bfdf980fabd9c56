using Registry.Adapters.Consul.Client;

namespace Registry.Adapters.Consul;

/// <summary>Consul checks to <see cref="HealthStatus"/>, as DESIGN.md maps them.</summary>
internal static class ConsulHealth
{
    private const string ServiceMaintenancePrefix = "_service_maintenance:";
    private const string NodeMaintenanceCheck = "_node_maintenance";

    /// <summary>
    /// The worst of ALL the entry's checks (node checks such as <c>serfHealth</c> and any check that names another
    /// service id included, as Consul's UI shows it); a maintenance check means draining.
    /// </summary>
    public static HealthStatus Map(IEnumerable<ConsulHealthCheck>? checks)
    {
        var worst = 0;
        foreach (var check in checks ?? [])
        {
            var id = check.CheckID ?? string.Empty;
            if (id.StartsWith(ServiceMaintenancePrefix, StringComparison.Ordinal) || id == NodeMaintenanceCheck || check.Status == "maintenance")
            {
                return HealthStatus.Draining;
            }

            worst = Math.Max(worst, check.Status switch
            {
                "passing" => 0,
                "warning" => 2,
                "critical" => 3,
                _ => 1,
            });
        }

        return worst switch
        {
            0 => HealthStatus.Healthy,
            1 => HealthStatus.Unknown,
            _ => HealthStatus.Unhealthy,
        };
    }
}
