namespace Registry.Adapters.Benchmarks.Catalog;

/// <summary>Synthetic registry content for the catalog benchmarks.</summary>
internal static class CatalogData
{
    public static ServiceInstance Instance(string service, int registry, int index, HealthStatus health = HealthStatus.Healthy) => new()
    {
        Service = service,
        Id = $"{service}-{registry}-{index}",
        Host = $"10.{registry}.{index / 250 % 250}.{(index % 250) + 1}",
        Ports = [new ServicePort("http", 8080 + (index % 16), "http")],
        Health = health,
        Zone = "zone-a",
    };

    /// <summary>A snapshot of <paramref name="services"/> services with <paramref name="perService"/> instances each.</summary>
    public static RegistrySnapshotEvent Snapshot(int registry, int services, int perService)
    {
        var content = new Dictionary<string, IReadOnlyList<ServiceInstance>>(services, StringComparer.Ordinal);
        var index = 0;
        for (var s = 0; s < services; s++)
        {
            var name = ServiceName(s);
            var instances = new ServiceInstance[perService];
            for (var i = 0; i < perService; i++)
            {
                instances[i] = Instance(name, registry, index++);
            }

            content[name] = instances;
        }

        return new RegistrySnapshotEvent(new RegistrySnapshot { Services = content, Revision = "1" });
    }

    public static string ServiceName(int index) => $"service-{index:D6}";

    public static MeshCatalog Catalog(int registries, int services, int perService)
    {
        var catalog = new MeshCatalog(new MeshOptions());
        for (var r = 0; r < registries; r++)
        {
            catalog.AddRegistry($"registry-{r}", "memory", r);
        }

        for (var r = 0; r < registries; r++)
        {
            catalog.Apply($"registry-{r}", Snapshot(r, services, perService));
        }

        return catalog;
    }
}
