using System.Collections.Immutable;

namespace Registry.Adapters;

/// <summary>An immutable view of the whole mesh catalog at one revision.</summary>
public abstract class MeshSnapshot
{
    /// <summary>The catalog revision; grows by one with every change.</summary>
    public abstract long Revision { get; }

    /// <summary>The number of mesh services.</summary>
    public abstract int ServiceCount { get; }

    /// <summary>Every mesh service, sorted by name (ordinal).</summary>
    /// <returns>The services.</returns>
    public abstract IReadOnlyList<MeshService> GetServices();

    /// <summary>Finds one service by mesh name (case-insensitive; aliases apply).</summary>
    /// <param name="name">The mesh name.</param>
    /// <returns>The service, or <see langword="null"/>.</returns>
    public abstract MeshService? Find(string name);

    /// <summary>The registries, by priority.</summary>
    public abstract ImmutableArray<RegistryStatus> Registries { get; }

    /// <summary>Name conflicts: two source names of one registry mapping to one mesh name.</summary>
    public abstract ImmutableArray<NameConflict> Conflicts { get; }
}
