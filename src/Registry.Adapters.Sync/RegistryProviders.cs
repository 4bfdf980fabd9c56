using Registry.Adapters.Consul;
using Registry.Adapters.Etcd;
using Registry.Adapters.Eureka;
using Registry.Adapters.Kubernetes;

namespace Registry.Adapters.Sync;

/// <summary>
/// The registry kinds <c>mesh-sync</c> knows: each adds its kind to <c>--config</c>. Adding a backend is one line
/// here, and its shortcut option (<c>--consul URL</c>) in <see cref="RegistryShortcuts"/>.
/// </summary>
internal static class RegistryProviders
{
    /// <summary>The providers.</summary>
    public static IReadOnlyList<IRegistryProvider> All { get; } =
    [
        new FileRegistryProvider(),
        new EtcdRegistryProvider(),
        new ConsulRegistryProvider(),
        new EurekaRegistryProvider(),
        new KubernetesRegistryProvider(),
    ];
}
