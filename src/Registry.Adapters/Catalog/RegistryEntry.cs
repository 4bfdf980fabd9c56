using System.Collections.Immutable;

namespace Registry.Adapters;

/// <summary>The catalog's mutable record of one registry. Touched only under the catalog's write lock.</summary>
internal sealed class RegistryEntry(string name, string kind, int priority, NameTemplate template, double? dropGuardRatio)
{
    /// <summary>How many skipped records a status keeps.</summary>
    public const int MaxSkipped = 32;

    public string Name { get; } = name;

    public string Kind { get; } = kind;

    public int Priority { get; } = priority;

    public NameTemplate Template { get; } = template;

    public double? DropGuardRatio { get; } = dropGuardRatio;

    /// <summary>Whether records a sync wrote (<see cref="SyncMetadata.SyncIdKey"/>) enter the catalog.</summary>
    public bool IncludeMirrored { get; init; }

    public RegistryState State { get; set; }

    public string? Error { get; set; }

    public DateTimeOffset? Since { get; set; }

    public string? Revision { get; set; }

    /// <summary>The registry has delivered data that is still in the catalog (a first snapshot, not evicted).</summary>
    public bool HasSynced { get; set; }

    /// <summary>Source services by source name (ordinal).</summary>
    public Dictionary<string, SourceService> Sources { get; } = new(StringComparer.Ordinal);

    /// <summary>The source names that map to each mesh name.</summary>
    public Dictionary<string, MeshSlot> Slots { get; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Mesh names two or more source names map to.</summary>
    public SortedSet<string> ConflictNames { get; } = new(StringComparer.Ordinal);

    public int InstanceCount { get; set; }

    public int ServiceCount { get; set; }

    /// <summary>A drop-guarded snapshot waiting for confirmation: instances by source name.</summary>
    public Dictionary<string, ImmutableArray<MeshInstance>>? Held { get; set; }

    /// <summary>Pending eviction of stale instances.</summary>
    public ITimer? EvictionTimer { get; set; }

    /// <summary>Counts stale periods, so an eviction timer of an earlier period does nothing.</summary>
    public long StaleEpoch { get; set; }

    /// <summary>While stale: the source services whose watch fails, or <see langword="null"/> when the whole registry's does.</summary>
    public HashSet<string>? StaleSources { get; set; }

    public ImmutableArray<SkippedRecord> Skipped { get; private set; } = [];

    /// <summary>The status needs rebuilding.</summary>
    public bool Dirty { get; set; } = true;

    public RegistryStatus? Status { get; set; }

    public void ResetSkipped(IReadOnlyList<SkippedRecord> records)
    {
        Skipped = [.. records.Where(static r => r is not null).Take(MaxSkipped)];
        Dirty = true;
    }

    public void AddSkipped(SkippedRecord record)
    {
        var builder = ImmutableArray.CreateBuilder<SkippedRecord>(Math.Min(Skipped.Length + 1, MaxSkipped));
        builder.Add(record);
        for (var i = 0; i < Skipped.Length && builder.Count < MaxSkipped; i++)
        {
            builder.Add(Skipped[i]);
        }

        Skipped = builder.MoveToImmutable();
        Dirty = true;
    }

    /// <summary>The instances this registry contributes to a mesh name: those of the name's owner (first source name in ordinal order).</summary>
    public ImmutableArray<MeshInstance> InstancesFor(string meshName) =>
        Slots.TryGetValue(meshName, out var slot) ? Sources[slot.Owner].Instances : [];

    public RegistryStatus BuildStatus() => new()
    {
        Name = Name,
        Kind = Kind,
        Priority = Priority,
        State = State,
        Error = Error,
        Since = Since,
        Services = ServiceCount,
        Instances = InstanceCount,
        Revision = Revision,
        Skipped = Skipped,
        HeldBack = Held is not null,
    };
}

/// <summary>One source service of a registry.</summary>
/// <param name="meshName">Its mesh name, or <see langword="null"/> when the name is invalid (reported once).</param>
internal sealed class SourceService(string? meshName)
{
    public string? MeshName { get; } = meshName;

    /// <summary>The instances, sorted by id (ordinal).</summary>
    public ImmutableArray<MeshInstance> Instances { get; set; } = [];
}

/// <summary>The source names of one registry that map to one mesh name, sorted (ordinal); the first owns it.</summary>
internal sealed class MeshSlot(string first)
{
    public List<string> SourceNames { get; } = [first];

    public string Owner => SourceNames[0];
}
