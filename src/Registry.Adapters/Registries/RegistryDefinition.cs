namespace Registry.Adapters;

/// <summary>One registry of the mesh: its name, kind, place in the merge, and how to create it.</summary>
public sealed class RegistryDefinition
{
    /// <summary>Creates a definition.</summary>
    /// <param name="name">The registry name, unique in the mesh.</param>
    /// <param name="kind">The registry kind (<c>consul</c>, <c>etcd</c>, …).</param>
    /// <param name="factory">Creates the registry from the application's services.</param>
    public RegistryDefinition(string name, string kind, Func<IServiceProvider, IServiceRegistry> factory)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentException.ThrowIfNullOrWhiteSpace(kind);
        ArgumentNullException.ThrowIfNull(factory);
        Name = name;
        Kind = kind;
        Factory = factory;
    }

    /// <summary>The registry name, unique in the mesh.</summary>
    public string Name { get; }

    /// <summary>The registry kind.</summary>
    public string Kind { get; }

    /// <summary>Creates the registry.</summary>
    public Func<IServiceProvider, IServiceRegistry> Factory { get; }

    /// <summary>
    /// The path that names this registry's settings in messages (<c>AddConsul("cf")</c>).
    /// <value>The default value is <see langword="null"/>: <c>registry 'NAME' (added in code)</c>.</value>
    /// </summary>
    public string? SettingPath { get; init; }

    /// <summary>
    /// Checks the registry's settings when the mesh validates its options, before anything is created; returns one
    /// message per problem. <value>The default value is <see langword="null"/>: nothing to check before creation.</value>
    /// </summary>
    public Func<IReadOnlyList<string>>? Validate { get; init; }

    /// <summary>
    /// The merge priority; lower wins. <value>The default value is <see langword="null"/>: the registry's position in configuration.</value>
    /// </summary>
    public int? Priority { get; set; }

    /// <summary>
    /// The mesh-name template, with <c>{service}</c> and, for Kubernetes, <c>{namespace}</c>; the result is lower-cased.
    /// <value>The default value is <see langword="null"/>: the kind's default (<c>{service}.{namespace}</c> for Kubernetes, else <c>{service}</c>).</value>
    /// </summary>
    public string? NameTemplate { get; set; }

    /// <summary>
    /// The share (0 to 1) of this registry's instances that one snapshot may drop at once before it is held back.
    /// <value>The default value is <see langword="null"/>: the mesh-wide <see cref="MeshOptions.DropGuardRatio"/>.</value>
    /// </summary>
    public double? DropGuardRatio { get; set; }

    /// <summary>
    /// Whether records a sync wrote into this registry (they carry <see cref="SyncMetadata.SyncIdKey"/>) enter the catalog.
    /// <value>The default value is <see langword="false"/>: they are skipped, so that syncs never loop.</value>
    /// </summary>
    public bool IncludeMirrored { get; set; }
}
