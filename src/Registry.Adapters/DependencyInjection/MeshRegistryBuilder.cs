using Microsoft.Extensions.Configuration;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>The builder <c>AddMeshRegistry</c> returns.</summary>
internal sealed class MeshRegistryBuilder(IServiceCollection services) : IMeshRegistryBuilder
{
    public IServiceCollection Services { get; } = services;
}

/// <summary>A configuration section the mesh was bound from; its <c>Registries</c> elements go to the providers.</summary>
internal sealed record MeshConfigurationSource(IConfiguration Section)
{
    /// <summary>The configuration path of the section (<c>Mesh</c>), for messages.</summary>
    public string Path => Section is IConfigurationSection section ? section.Path : "";
}
