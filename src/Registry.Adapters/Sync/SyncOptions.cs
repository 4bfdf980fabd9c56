namespace Registry.Adapters.Sync;

/// <summary>Options of the sync (<c>mesh-sync sync</c>, or <c>Mesh:Sync</c> in a hosted app): what is mirrored where, and the safety limits.</summary>
public sealed class SyncOptions
{
    /// <summary>The target registries by name (<c>--to</c>); each must implement <see cref="IServiceRegistryWriter"/>. Required.</summary>
    public IList<string> To { get; } = [];

    /// <summary>The source registries (<c>--from</c>). <value>The default value is empty: every registry that is not a target.</value></summary>
    public IList<string> From { get; } = [];

    /// <summary>Mesh services to mirror, as names or globs (<c>orders*</c>). <value>The default value is empty: every service.</value></summary>
    public IList<string> Services { get; } = [];

    /// <summary>Mesh services not to mirror, as names or globs; beats <see cref="Services"/>.</summary>
    public IList<string> Exclude { get; } = [];

    /// <summary>Whether only healthy instances are mirrored. <value>The default value is <see langword="false"/>: every instance, with its health.</value></summary>
    public bool OnlyHealthy { get; set; }

    /// <summary>The sync id every written record carries (a DNS label). <value>The default value is <c>mesh-sync</c>.</value></summary>
    public string SyncId { get; set; } = SyncMetadata.DefaultSyncId;

    /// <summary>The target service name of a mesh service; <c>{service}</c> is the mesh name (<c>mesh-{service}</c>). <value>The default value is <c>{service}</c>.</value></summary>
    public string NameTemplate { get; set; } = "{service}";

    /// <summary>How often the targets are listed again and drift repaired. <value>The default value is 5 minutes.</value></summary>
    public TimeSpan Resync { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>The most instance writes per second over all targets (a token bucket with one second of burst). <value>The default value is 500.</value></summary>
    public double MaxWritesPerSecond { get; set; } = 500;

    /// <summary>A pass that would delete more than this share (0 to 1) of a target's owned records holds its deletes until confirmed; 1 accepts any. <value>The default value is 0.5.</value></summary>
    public double MaxDeleteRatio { get; set; } = 0.5;

    /// <summary>The most instances in one write batch. <value>The default value is 128.</value></summary>
    public int BatchSize { get; set; } = 128;

    /// <summary>Leader election (<c>--leader-elect</c>): standbys read but do not write. <value>The default value is kind <c>none</c>: this replica always writes.</value></summary>
    public SyncElectionOptions LeaderElection { get; } = new();

    /// <summary>
    /// How many shards the mesh services are split into (<c>--shards</c>), by a stable hash of the target service name; each
    /// shard has its own election, so several replicas share the writes. <value>The default value is 1.</value>
    /// </summary>
    public int Shards { get; set; } = 1;

    /// <summary>Whether passes only plan (nothing is written). <value>The default value is <see langword="false"/>.</value></summary>
    public bool DryRun { get; set; }

    /// <summary>Whether the pass removes everything the sync id owns in the targets instead of mirroring. <value>The default value is <see langword="false"/>.</value></summary>
    public bool Purge { get; set; }

    /// <summary>Checks the options.</summary>
    /// <param name="prefix">The setting path for messages (<c>Mesh:Sync</c>, or the console's option names).</param>
    /// <returns>What is wrong, with the fix; empty when valid.</returns>
    public IReadOnlyList<string> Validate(string prefix = "Mesh:Sync")
    {
        var errors = new List<string>();
        if (To.Count == 0)
        {
            errors.Add($"{prefix}:To is empty; name at least one target registry (--to NAME).");
        }

        if (SyncMetadata.ValidateSyncId(SyncId) is { } syncIdError)
        {
            errors.Add($"{prefix}:SyncId: {syncIdError}.");
        }

        if (!NameTemplate.Contains("{service}", StringComparison.Ordinal) || NameTemplate.Replace("{service}", "", StringComparison.Ordinal).Contains('{', StringComparison.Ordinal))
        {
            errors.Add($"{prefix}:NameTemplate '{ServiceInstanceValidator.Printable(NameTemplate)}' must contain {{service}} and no other placeholder.");
        }

        if (double.IsNaN(MaxDeleteRatio) || MaxDeleteRatio is < 0 or > 1)
        {
            errors.Add($"{prefix}:MaxDeleteRatio must be between 0 and 1 (1 accepts any delete).");
        }

        if (double.IsNaN(MaxWritesPerSecond) || MaxWritesPerSecond <= 0)
        {
            errors.Add($"{prefix}:MaxWritesPerSecond must be more than 0.");
        }

        if (BatchSize is < 1 or > 10_000)
        {
            errors.Add($"{prefix}:BatchSize must be between 1 and 10000.");
        }

        if (Resync < TimeSpan.FromSeconds(1))
        {
            errors.Add($"{prefix}:Resync must be at least 1 second.");
        }

        if (Shards is < 1 or > 256)
        {
            errors.Add($"{prefix}:Shards must be between 1 and 256.");
        }
        else if (Shards > 1 && LeaderElection.Kind == "none")
        {
            errors.Add($"{prefix}:Shards needs leader election (--leader-elect etcd|consul|kubernetes): each shard has its own election.");
        }

        errors.AddRange(LeaderElection.Validate($"{prefix}:LeaderElection"));

        foreach (var name in To.Intersect(From, StringComparer.OrdinalIgnoreCase))
        {
            errors.Add($"{prefix}: registry '{name}' is both a source (From) and a target (To).");
        }

        return errors;
    }
}
