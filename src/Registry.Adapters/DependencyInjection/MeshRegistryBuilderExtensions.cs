using Microsoft.Extensions.DependencyInjection.Extensions;
using Registry.Adapters;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Adds registries and registry kinds to the mesh. Backend packages build their <c>AddXxx</c> methods on these.</summary>
public static class MeshRegistryBuilderExtensions
{
    /// <summary>Adds one registry, created in code.</summary>
    /// <param name="builder">The mesh builder.</param>
    /// <param name="definition">The registry's name, kind, merge settings and factory.</param>
    /// <returns>The builder.</returns>
    public static IMeshRegistryBuilder AddRegistry(this IMeshRegistryBuilder builder, RegistryDefinition definition)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(definition);
        builder.Services.Configure<MeshOptions>(options => options.Definitions.Add(definition));
        return builder;
    }

    /// <summary>Makes a registry kind available to configuration (<c>Mesh:Registries:N:Kind</c>).</summary>
    /// <param name="builder">The mesh builder.</param>
    /// <param name="provider">The kind's provider.</param>
    /// <returns>The builder.</returns>
    public static IMeshRegistryBuilder AddProvider(this IMeshRegistryBuilder builder, IRegistryProvider provider)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(provider);
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IRegistryProvider>(provider));
        return builder;
    }
}
