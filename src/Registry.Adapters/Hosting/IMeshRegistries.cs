namespace Registry.Adapters;

/// <summary>
/// The registries the mesh runs, as <c>AddMeshRegistry</c> configured them. Inject it to act on one registry of the
/// mesh through the same instance that feeds the catalog: a sync writes into its targets this way
/// (<c>registries.Running.OfType&lt;IServiceRegistryWriter&gt;()</c>). Read the merged view from <see cref="IMeshCatalog"/>.
/// </summary>
public interface IMeshRegistries
{
    /// <summary>
    /// The running registries, in configuration order, once the host has started (empty before, and after it stopped).
    /// A registry that could not be created is not in the list; the catalog reports it as failed.
    /// </summary>
    IReadOnlyList<IServiceRegistry> Running { get; }
}
