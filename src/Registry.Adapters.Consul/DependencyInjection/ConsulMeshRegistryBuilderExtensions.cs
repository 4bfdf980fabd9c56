using Registry.Adapters.Consul;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Adds Consul registries to the mesh.</summary>
public static class ConsulMeshRegistryBuilderExtensions
{
    /// <summary>Adds a Consul registry, configured in code.</summary>
    /// <param name="builder">The mesh builder.</param>
    /// <param name="name">The registry name. <value>The default value is <c>consul</c>.</value></param>
    /// <param name="configure">Sets the options; unset values come from the Consul CLI's environment, then the defaults.</param>
    /// <returns>The builder.</returns>
    public static IMeshRegistryBuilder AddConsul(this IMeshRegistryBuilder builder, string name = ConsulRegistryProvider.KindName, Action<ConsulRegistryOptions>? configure = null) =>
        new ConsulRegistryProvider().AddTo(builder, name, configure);

    /// <summary>Makes the <c>consul</c> kind available to configuration (<c>Mesh:Registries:N:Kind</c>) and the console.</summary>
    /// <param name="builder">The mesh builder.</param>
    /// <returns>The builder.</returns>
    public static IMeshRegistryBuilder AddConsulProvider(this IMeshRegistryBuilder builder) =>
        builder.AddProvider(new ConsulRegistryProvider());
}
