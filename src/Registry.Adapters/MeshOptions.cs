namespace Registry.Adapters;

/// <summary>Options of the mesh catalog; bound from the <c>Mesh</c> configuration section.</summary>
public sealed class MeshOptions
{
    /// <summary>
    /// The registries, in priority order (first wins), as configured. Each element has <c>Name</c>,
    /// <c>Kind</c>, optional <c>Priority</c>, <c>NameTemplate</c>, <c>DropGuardRatio</c>, and its kind's own keys.
    /// </summary>
    public IList<MeshRegistryOptions> Registries { get; } = [];

    /// <summary>Aliases from a mesh name to another (<c>"orders.shop": "orders"</c>), to merge services on purpose.</summary>
    public IDictionary<string, string> Aliases { get; } = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);

    /// <summary>Per-service settings, keyed by mesh name or glob (<c>payments-*</c>). An exact name beats a glob; the longer glob beats the shorter.</summary>
    public IDictionary<string, MeshServiceOptions> Services { get; } = new Dictionary<string, MeshServiceOptions>(StringComparer.OrdinalIgnoreCase);

    /// <summary>The merge policy of services no <see cref="Services"/> entry matches. <value>The default value is <see cref="MergePolicy.Union"/>.</value></summary>
    public MergePolicy DefaultMerge { get; set; } = MergePolicy.Union;

    /// <summary>
    /// Evicts a failed registry's last-known-good instances once they are this old.
    /// <value>The default value is <see langword="null"/>: stale instances are kept until the registry recovers.</value>
    /// </summary>
    public TimeSpan? StaleEvictionAfter { get; set; }

    /// <summary>
    /// Holds back a resync snapshot that would drop more than this share (0 to 1) of a synced registry's instances at
    /// once — a restarted or rebuilt backend that reports "empty" — keeping the last-known-good instances, marked stale,
    /// with the registry <c>stale</c> and <c>HeldBack</c>. The held snapshot is applied as soon as the registry refills
    /// within the ratio (instances re-register), or when a second snapshot confirms it. Per-service changes and removals
    /// are never held. Set 1 to turn the guard off (every resync applies at once, removals included).
    /// <value>The default value is 0.5: a resync that would drop more than half of a registry is held back.</value>
    /// </summary>
    public double? DropGuardRatio { get; set; } = DefaultDropGuardRatio;

    /// <summary>The default of <see cref="DropGuardRatio"/>: 0.5.</summary>
    public const double DefaultDropGuardRatio = 0.5;

    /// <summary>Change notifications wait this long for quiet before they are delivered. <value>The default value is 100 milliseconds.</value></summary>
    public TimeSpan ChangeQuietPeriod { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>Change notifications are delivered at the latest this long after the first change. <value>The default value is 1 second.</value></summary>
    public TimeSpan ChangeMaxDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>How long <see cref="IMeshCatalog.WaitForInitialSyncAsync"/> waits by default. <value>The default value is 10 seconds.</value></summary>
    public TimeSpan InitialSyncTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Makes host start wait until every registry has synced once (or <see cref="InitialSyncTimeout"/> passes), so the app
    /// serves no request against an empty catalog. On timeout the start logs the registries still syncing and goes on,
    /// or fails when <see cref="FailStartOnInitialSyncTimeout"/> is set.
    /// <value>The default value is <see langword="false"/>.</value>
    /// </summary>
    public bool WaitForInitialSync { get; set; }

    /// <summary>With <see cref="WaitForInitialSync"/>: fail host start when a registry has not synced within <see cref="InitialSyncTimeout"/>. <value>The default value is <see langword="false"/>: log and go on.</value></summary>
    public bool FailStartOnInitialSyncTimeout { get; set; }

    /// <summary>Registries added in code (<c>mesh.AddConsul(...)</c>); they follow the configured ones unless given a priority.</summary>
    internal List<RegistryDefinition> Definitions { get; } = [];

    /// <summary>Values of the <c>Mesh</c> section that could not be read; reported by validation with every other error.</summary>
    internal List<string> BindErrors { get; } = [];
}

/// <summary>One element of <c>Mesh:Registries</c>.</summary>
public sealed class MeshRegistryOptions
{
    /// <summary>The registry name, unique in the mesh. <value>The default value is the kind, with <c>-2</c>, <c>-3</c> on repeats.</value></summary>
    public string? Name { get; set; }

    /// <summary>The registry kind (<c>file</c>, <c>etcd</c>, <c>consul</c>, <c>eureka</c>, <c>kubernetes</c>). Required.</summary>
    public string? Kind { get; set; }

    /// <summary>The merge priority; lower wins. <value>The default value is the registry's position.</value></summary>
    public int? Priority { get; set; }

    /// <summary>The mesh-name template (<c>{service}</c>, <c>{namespace}</c>). <value>The default value is the kind's default.</value></summary>
    public string? NameTemplate { get; set; }

    /// <summary>Overrides <see cref="MeshOptions.DropGuardRatio"/> for this registry.</summary>
    public double? DropGuardRatio { get; set; }

    /// <summary>Whether records a sync wrote into this registry enter the catalog. <value>The default value is <see langword="false"/>: they are skipped (loop safety).</value></summary>
    public bool IncludeMirrored { get; set; }
}

/// <summary>Settings of one mesh service or glob.</summary>
public sealed class MeshServiceOptions
{
    /// <summary>How the registries' instances of the service merge. <value>The default value is <see cref="MergePolicy.Union"/>.</value></summary>
    public MergePolicy Merge { get; set; } = MergePolicy.Union;
}

/// <summary>How the instances of one mesh service from several registries merge.</summary>
public enum MergePolicy
{
    /// <summary>Instances of all registries, deduplicated on host and port (the higher-priority record kept).</summary>
    Union = 0,

    /// <summary>Only the highest-priority registry that has the service.</summary>
    Priority = 1,

    /// <summary>The highest-priority registry that has healthy instances of the service.</summary>
    Failover = 2,
}
