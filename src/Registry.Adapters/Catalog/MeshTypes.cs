using System.Collections.Immutable;

namespace Registry.Adapters;

/// <summary>An instance in the mesh catalog, with its provenance.</summary>
/// <param name="Registry">The name of the registry it came from.</param>
/// <param name="Instance">The instance as that registry reports it.</param>
/// <param name="Revision">The registry's native revision when the instance last changed (an unchanged record keeps its revision across resyncs).</param>
/// <param name="Stale">The registry failed; this is its last-known-good record.</param>
public sealed record MeshInstance(string Registry, ServiceInstance Instance, string? Revision = null, bool Stale = false);

/// <summary>One service of the mesh catalog: merged instances, sorted by registry priority then id.</summary>
/// <param name="Name">The mesh name (lower-case).</param>
/// <param name="Instances">The merged instances.</param>
/// <param name="Policy">The merge policy that produced them.</param>
public sealed record MeshService(string Name, ImmutableArray<MeshInstance> Instances, MergePolicy Policy);

/// <summary>The state of one registry in the catalog.</summary>
public enum RegistryState
{
    /// <summary>Waiting for the first snapshot.</summary>
    Syncing = 0,

    /// <summary>Up to date.</summary>
    Ready = 1,

    /// <summary>Failed after a first sync: its last-known-good instances are kept, marked stale.</summary>
    Stale = 2,

    /// <summary>Failed before any sync: it has no instances in the catalog.</summary>
    Failed = 3,
}

/// <summary>The status of one registry in a catalog snapshot.</summary>
public sealed record RegistryStatus
{
    /// <summary>The registry name.</summary>
    public required string Name { get; init; }

    /// <summary>The registry kind.</summary>
    public required string Kind { get; init; }

    /// <summary>The merge priority; lower wins.</summary>
    public int Priority { get; init; }

    /// <summary>The state.</summary>
    public RegistryState State { get; init; }

    /// <summary>The last error, if the registry is stale or failed. Never carries a secret.</summary>
    public string? Error { get; init; }

    /// <summary>When the registry went stale or failed.</summary>
    public DateTimeOffset? Since { get; init; }

    /// <summary>The number of source services the registry contributes.</summary>
    public int Services { get; init; }

    /// <summary>The number of instances the registry contributes.</summary>
    public int Instances { get; init; }

    /// <summary>The registry's native revision.</summary>
    public string? Revision { get; init; }

    /// <summary>Records skipped as invalid (most recent first, bounded).</summary>
    public ImmutableArray<SkippedRecord> Skipped { get; init; } = [];

    /// <summary>A drop-guarded snapshot is held back, waiting for confirmation.</summary>
    public bool HeldBack { get; init; }
}

/// <summary>Two source names of one registry that map to the same mesh name; neither is merged silently.</summary>
/// <param name="Registry">The registry.</param>
/// <param name="MeshName">The mesh name both map to.</param>
/// <param name="SourceNames">The source names (the first, in ordinal order, is kept; the rest are left out).</param>
public sealed record NameConflict(string Registry, string MeshName, ImmutableArray<string> SourceNames);

/// <summary>What happened to one mesh service.</summary>
public enum MeshChangeKind
{
    /// <summary>The service appeared.</summary>
    Added = 0,

    /// <summary>The service's instances changed.</summary>
    Updated = 1,

    /// <summary>The service is gone.</summary>
    Removed = 2,
}

/// <summary>A change to one mesh service.</summary>
/// <param name="Kind">Added, updated or removed.</param>
/// <param name="Service">The service now (for <see cref="MeshChangeKind.Removed"/>: its name, with no instances).</param>
public sealed record MeshChange(MeshChangeKind Kind, MeshService Service);

/// <summary>Changes coalesced over a quiet period, up to the catalog revision they lead to.</summary>
/// <param name="Revision">The catalog revision after the changes.</param>
/// <param name="Changes">One change per mesh service, sorted by name.</param>
public sealed record MeshChangeBatch(long Revision, IReadOnlyList<MeshChange> Changes);
