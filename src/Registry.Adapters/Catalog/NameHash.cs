namespace Registry.Adapters;

/// <summary>The hash of a mesh name that agrees with <see cref="StringComparison.OrdinalIgnoreCase"/> equality, without allocating.</summary>
internal static class NameHash
{
    /// <summary>Hashes <paramref name="name"/> case-insensitively (randomized per process, so names from a registry cannot be chosen to collide).</summary>
    public static uint Of(string name) => (uint)string.GetHashCode(name, StringComparison.OrdinalIgnoreCase);
}
