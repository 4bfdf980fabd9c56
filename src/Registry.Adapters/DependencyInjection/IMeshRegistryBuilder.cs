namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Configures the mesh catalog; returned by <c>AddMeshRegistry</c>. Backend packages add extension methods to it.</summary>
public interface IMeshRegistryBuilder
{
    /// <summary>The service collection the mesh is registered in.</summary>
    IServiceCollection Services { get; }
}
