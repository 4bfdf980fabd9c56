using Microsoft.Extensions.Time.Testing;

namespace Registry.Adapters.Tests.Catalog;

/// <summary>Builders for catalog tests: instances, events, and a catalog on a fake clock.</summary>
internal static class CatalogTestKit
{
    public static readonly DateTimeOffset Start = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    public static ServiceInstance Instance(
        string service, string id, string host = "10.0.0.1", int port = 8080, HealthStatus health = HealthStatus.Healthy) => new()
    {
        Service = service,
        Id = id,
        Host = host,
        Ports = port == 0 ? [] : [new ServicePort("http", port, "http")],
        Health = health,
    };

    public static RegistrySnapshotEvent Snapshot(params ServiceInstance[] instances) => Snapshot(false, instances);

    public static RegistrySnapshotEvent Snapshot(bool isResync, params ServiceInstance[] instances) => new(
        new RegistrySnapshot
        {
            Services = instances
                .GroupBy(static i => i.Service, StringComparer.Ordinal)
                .ToDictionary(static g => g.Key, static g => (IReadOnlyList<ServiceInstance>)g.ToList(), StringComparer.Ordinal),
            Revision = "r1",
        },
        isResync);

    public static ServiceChangedEvent Change(string service, params ServiceInstance[] instances) => new(service, instances, "r2");

    /// <summary>A catalog on a fake clock; the drop guard is off unless <paramref name="configure"/> sets it (its default is tested on its own).</summary>
    public static (MeshCatalog Catalog, FakeTimeProvider Time) Create(Action<MeshOptions>? configure = null)
    {
        var options = new MeshOptions { DropGuardRatio = null };
        configure?.Invoke(options);
        var time = new FakeTimeProvider(Start);
        return (new MeshCatalog(options, time), time);
    }

    /// <summary>A catalog with registries added (priority = position) and each given its first snapshot.</summary>
    public static (MeshCatalog Catalog, FakeTimeProvider Time) CreateWith(Action<MeshOptions>? configure, params (string Name, ServiceInstance[] Instances)[] registries)
    {
        var (catalog, time) = Create(configure);
        for (var i = 0; i < registries.Length; i++)
        {
            catalog.AddRegistry(registries[i].Name, "memory", i);
        }

        foreach (var (name, instances) in registries)
        {
            catalog.Apply(name, Snapshot(instances));
        }

        return (catalog, time);
    }

    public static string[] Ids(this IEnumerable<MeshInstance> instances) =>
        [.. instances.Select(static i => $"{i.Registry}:{i.Instance.Id}")];

    public static RegistryStatus Status(this MeshCatalog catalog, string registry) =>
        catalog.Current.Registries.Single(r => r.Name == registry);
}
