using Registry.Adapters.Consul;
using Registry.Adapters.Etcd;
using Registry.Adapters.Eureka;
using Registry.Adapters.Kubernetes;

namespace Registry.Adapters.Sync;

/// <summary>
/// The registry kinds <c>mesh-sync</c> knows: each adds its kind to <c>--config</c> and its shortcut
/// options (<c>--file PATH</c>) to every command. Adding a backend is one line here.
/// </summary>
internal static class RegistryProviders
{
    /// <summary>The providers, in the order their shortcuts appear in help.</summary>
    public static IReadOnlyList<IRegistryProvider> All { get; } =
    [
        new FileRegistryProvider(),
        new EtcdRegistryProvider(),
        new ConsulRegistryProvider(),
        new EurekaRegistryProvider(),
        new KubernetesRegistryProvider(),
    ];
}
