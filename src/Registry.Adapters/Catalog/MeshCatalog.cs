using System.Collections.Frozen;
using System.Collections.Immutable;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Primitives;

namespace Registry.Adapters;

/// <summary>
/// The mesh catalog engine. Registries are added once, then their watch events are fed to
/// <see cref="Apply"/> (the hosted service does this); readers use <see cref="IMeshCatalog"/>.
/// </summary>
/// <remarks>
/// Writers (<see cref="Apply"/>, <see cref="ReportFailure"/>, timers) are serialized by one lock and do work in
/// proportion to what changed. Readers never lock: they read the current immutable snapshot.
/// </remarks>
internal sealed partial class MeshCatalog : IMeshCatalog, IDisposable
{
    private readonly Lock _gate = new();
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly MergePolicyTable _policies;
    private readonly FrozenDictionary<string, AliasTarget> _aliases;
    private readonly double? _dropGuardRatio;
    private readonly TimeSpan? _staleEvictionAfter;
    private readonly TimeSpan _quietPeriod;
    private readonly TimeSpan _maxDelay;
    private readonly TimeSpan _initialSyncTimeout;
    private readonly Dictionary<string, RegistryEntry> _registries = new(StringComparer.Ordinal);
    private HashSet<string> _touched = new(StringComparer.OrdinalIgnoreCase);
    private readonly List<MeshChange> _changes = [];
    private readonly List<(RegistryEntry Registry, ImmutableArray<MeshInstance> Instances)> _contributions = [];
    private RegistryEntry[] _ordered = [];
    private CatalogWatcher[] _watchers = [];
    private CatalogSnapshot _current;
    private ServiceMap _services = ServiceMap.Empty;
    private long _revision;
    private bool _conflictsChanged;
    private readonly CatalogMetrics? _metrics;
    private bool _disposed;

    /// <summary>Creates an empty catalog.</summary>
    /// <param name="options">Merge policies, aliases, guard and coalescing settings.</param>
    /// <param name="timeProvider">The clock (stale marking, eviction, coalescing). <value>The default value is <see cref="TimeProvider.System"/>.</value></param>
    /// <param name="logger">The logger.</param>
    /// <param name="meterFactory">Creates the <c>Registry.Adapters</c> meter (<c>registry.catalog.changes</c>, <c>registry.catalog.services</c>); none when <see langword="null"/>.</param>
    /// <exception cref="ArgumentException">An alias or setting is invalid.</exception>
    public MeshCatalog(MeshOptions options, TimeProvider? timeProvider = null, ILogger<MeshCatalog>? logger = null, IMeterFactory? meterFactory = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        _time = timeProvider ?? TimeProvider.System;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _policies = new MergePolicyTable(options.Services, options.DefaultMerge);
        _aliases = BuildAliases(options.Aliases);
        _dropGuardRatio = CheckRatio(options.DropGuardRatio, "Mesh:DropGuardRatio");
        _staleEvictionAfter = options.StaleEvictionAfter is { } evict && evict > TimeSpan.Zero ? evict : null;
        _quietPeriod = options.ChangeQuietPeriod > TimeSpan.Zero ? options.ChangeQuietPeriod : TimeSpan.Zero;
        _maxDelay = options.ChangeMaxDelay > _quietPeriod ? options.ChangeMaxDelay : _quietPeriod;
        _initialSyncTimeout = options.InitialSyncTimeout;
        _current = new CatalogSnapshot(0, ServiceMap.Empty, [], [], _aliases);
        _metrics = meterFactory is null ? null : new CatalogMetrics(meterFactory, this);
    }

    /// <inheritdoc />
    public MeshSnapshot Current => Volatile.Read(ref _current);

    /// <summary>Adds a registry to the catalog (before or after events start to flow). Its state starts as <see cref="RegistryState.Syncing"/>.</summary>
    /// <param name="name">The registry name, unique.</param>
    /// <param name="kind">The registry kind; chooses the default name template.</param>
    /// <param name="priority">The merge priority; lower wins.</param>
    /// <param name="nameTemplate">The mesh-name template, or <see langword="null"/> for the kind's default.</param>
    /// <param name="dropGuardRatio">The drop guard, or <see langword="null"/> for the mesh-wide one.</param>
    /// <param name="includeMirrored">Whether records some sync wrote into this registry enter the catalog (loop safety skips them by default).</param>
    /// <exception cref="ArgumentException">The name is taken, or the template or ratio is invalid.</exception>
    public void AddRegistry(string name, string kind, int priority, string? nameTemplate = null, double? dropGuardRatio = null, bool includeMirrored = false)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentException.ThrowIfNullOrWhiteSpace(kind);
        var template = NameTemplate.Parse(nameTemplate, kind, nameof(nameTemplate));
        var ratio = CheckRatio(dropGuardRatio, nameof(dropGuardRatio)) ?? _dropGuardRatio;
        CatalogSnapshot? replaced;
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_registries.ContainsKey(name))
            {
                throw new ArgumentException($"A registry named '{name}' is already in the catalog; registry names must be unique.", nameof(name));
            }

            var entry = new RegistryEntry(name, kind, priority, template, ratio) { IncludeMirrored = includeMirrored };
            _registries.Add(name, entry);
            _ordered = [.. _registries.Values.OrderBy(static r => r.Priority).ThenBy(static r => r.Name, StringComparer.Ordinal)];
            Log.RegistryAdded(_logger, name, kind, priority, template.Text);
            replaced = Commit();
        }

        replaced?.MarkReplaced();
    }

    /// <inheritdoc />
    public ImmutableArray<MeshInstance> Resolve(string name) => Volatile.Read(ref _current).Resolve(name);

    /// <inheritdoc />
    public IChangeToken GetChangeToken() => Volatile.Read(ref _current).ChangeToken;

    /// <inheritdoc />
    public void Dispose()
    {
        CatalogWatcher[] watchers;
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            watchers = _watchers;
            _watchers = [];
            foreach (var entry in _registries.Values)
            {
                entry.EvictionTimer?.Dispose();
                entry.EvictionTimer = null;
            }
        }

        foreach (var watcher in watchers)
        {
            watcher.Complete();
        }
    }

    private static double? CheckRatio(double? ratio, string paramName) =>
        ratio is null || (ratio >= 0 && ratio <= 1)
            ? ratio
            : throw new ArgumentOutOfRangeException(paramName, ratio, $"{paramName} is a share of a registry's instances: set it between 0 and 1 (0.5 holds back a snapshot that drops more than half).");

    private static FrozenDictionary<string, AliasTarget> BuildAliases(IDictionary<string, string> aliases)
    {
        var map = new Dictionary<string, AliasTarget>(StringComparer.OrdinalIgnoreCase);
        foreach (var (from, to) in aliases)
        {
            if (ServiceInstanceValidator.ValidateServiceName(to) is { } error)
            {
                throw new ArgumentException($"Mesh:Aliases:{from} points to an invalid mesh name: {error}. Set it to a valid service name.", nameof(aliases));
            }

            var target = to.ToLowerInvariant();
            map[from] = new AliasTarget(target, NameHash.Of(target));
        }

        return map.ToFrozenDictionary(StringComparer.OrdinalIgnoreCase);
    }

    private string ApplyAlias(string meshName) =>
        _aliases.TryGetValue(meshName, out var target) ? target.Name : meshName;

    private RegistryEntry GetEntry(string registry) =>
        _registries.TryGetValue(registry, out var entry)
            ? entry
            : throw new ArgumentException($"The registry '{registry}' was not added to the catalog; call AddRegistry first.", nameof(registry));
}
