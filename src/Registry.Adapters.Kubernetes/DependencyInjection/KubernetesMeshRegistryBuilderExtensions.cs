using Registry.Adapters.Kubernetes;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Adds Kubernetes registries to the mesh.</summary>
public static class KubernetesMeshRegistryBuilderExtensions
{
    /// <summary>Adds a Kubernetes registry, configured in code.</summary>
    /// <param name="builder">The mesh builder.</param>
    /// <param name="name">The registry name. <value>The default value is <c>kubernetes</c>.</value></param>
    /// <param name="configure">Sets the options (kubeconfig, in-cluster, namespaces, label selector).</param>
    /// <returns>The builder.</returns>
    public static IMeshRegistryBuilder AddKubernetes(this IMeshRegistryBuilder builder, string name = KubernetesRegistryProvider.KindName, Action<KubernetesRegistryOptions>? configure = null) =>
        new KubernetesRegistryProvider().AddTo(builder, name, configure);

    /// <summary>Makes the <c>kubernetes</c> kind available to configuration (<c>Mesh:Registries:N:Kind</c>) and the console.</summary>
    /// <param name="builder">The mesh builder.</param>
    /// <returns>The builder.</returns>
    public static IMeshRegistryBuilder AddKubernetesProvider(this IMeshRegistryBuilder builder) =>
        builder.AddProvider(new KubernetesRegistryProvider());
}
