namespace Registry.Adapters.Sync;

/// <summary>What one pass does to one target (printed by <c>--dry-run</c> and <c>--output json</c>).</summary>
public sealed record SyncTargetPlan
{
    /// <summary>The target registry.</summary>
    public required string Target { get; init; }

    /// <summary>Instances to create.</summary>
    public IReadOnlyList<SyncOperation> Creates { get; init; } = [];

    /// <summary>Instances to update.</summary>
    public IReadOnlyList<SyncOperation> Updates { get; init; } = [];

    /// <summary>Owned instances to delete.</summary>
    public IReadOnlyList<SyncOperation> Deletes { get; init; } = [];

    /// <summary>Deletes held back: by the delete-ratio guard, because a source has not synced yet, or because their source is failing.</summary>
    public int HeldDeletes { get; init; }

    /// <summary>Why deletes were held, if they were.</summary>
    public string? HeldReason { get; init; }

    /// <summary>Desired instances the target cannot hold, with why.</summary>
    public IReadOnlyList<SkippedRecord> Rejected { get; init; } = [];

    /// <summary>The records the sync owns in the target before the pass.</summary>
    public int Owned { get; init; }

    /// <summary>The desired instances after the pass.</summary>
    public int Desired { get; init; }

    /// <summary>Whether there is nothing to write.</summary>
    public bool IsEmpty => Creates.Count == 0 && Updates.Count == 0 && Deletes.Count == 0;

    /// <summary>Phase one, by target service: the sets that create and update (records about to be deleted still in them).</summary>
    internal IReadOnlyDictionary<string, IReadOnlyList<ServiceInstance>> Upserts { get; init; } = new Dictionary<string, IReadOnlyList<ServiceInstance>>();

    /// <summary>Phase two, after every upsert of the pass: the final sets of services that lose records.</summary>
    internal IReadOnlyDictionary<string, IReadOnlyList<ServiceInstance>> Removals { get; init; } = new Dictionary<string, IReadOnlyList<ServiceInstance>>();
}

/// <summary>One planned write.</summary>
/// <param name="Service">The target service name.</param>
/// <param name="Id">The instance id in the target.</param>
/// <param name="Origin">The registry the instance comes from.</param>
public sealed record SyncOperation(string Service, string Id, string? Origin);

/// <summary>The outcome of one pass over every target.</summary>
public sealed record SyncPassResult
{
    /// <summary>The catalog revision the pass mirrored.</summary>
    public long Revision { get; init; }

    /// <summary>The plan of each target.</summary>
    public IReadOnlyList<SyncTargetPlan> Targets { get; init; } = [];

    /// <summary>Records written (created, updated, deleted) over all targets; 0 for a dry run.</summary>
    public int Writes { get; init; }

    /// <summary>Requests sent to targets.</summary>
    public int Requests { get; init; }

    /// <summary>Targets that failed in this pass, with the error (never a secret).</summary>
    public IReadOnlyDictionary<string, string> Errors { get; init; } = new Dictionary<string, string>();

    /// <summary>Whether nothing was written because this replica does not lead.</summary>
    public bool Standby { get; init; }

    /// <summary>The shard the pass mirrored (<see cref="SyncOptions.Shards"/> more than 1), else <see langword="null"/>: every service.</summary>
    public int? Shard { get; init; }
}
