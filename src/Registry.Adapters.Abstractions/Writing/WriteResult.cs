namespace Registry.Adapters;

/// <summary>What one <see cref="IServiceRegistryWriter.ApplyAsync"/> wrote.</summary>
public sealed record WriteResult
{
    /// <summary>Nothing written.</summary>
    public static WriteResult None { get; } = new();

    /// <summary>Instances created.</summary>
    public int Created { get; init; }

    /// <summary>Instances replaced because their content differed.</summary>
    public int Updated { get; init; }

    /// <summary>Owned instances removed.</summary>
    public int Deleted { get; init; }

    /// <summary>Requests sent to the target (a batched transaction counts once).</summary>
    public int Requests { get; init; }

    /// <summary>Instances of the batch that were not written because they were invalid for the target, or collided with a record the sync does not own.</summary>
    public IReadOnlyList<SkippedRecord> Rejected { get; init; } = [];

    /// <summary>The target's native revision after the writes, if any.</summary>
    public string? Revision { get; init; }

    /// <summary>The number of records written (created, updated or deleted).</summary>
    public int Writes => Created + Updated + Deleted;
}
