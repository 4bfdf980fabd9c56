using System.Diagnostics.Metrics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Primitives;

namespace Registry.Adapters.Sync;

/// <summary>
/// The reconcile engine of <c>mesh-sync sync</c>: mirrors the mesh catalog into target registries through their
/// <see cref="IServiceRegistryWriter"/>. Each pass compares what the sources want in a target with what the sync id
/// owns there and writes only the difference (creates and updates first, deletes last); identical content is zero writes.
/// </summary>
/// <remarks>
/// Safety: nothing is deleted before every source has delivered a first snapshot and the target's owned records are
/// listed; a source that fails keeps its mirrored records (the catalog keeps its last-known-good instances); a pass
/// that would delete more than <see cref="SyncOptions.MaxDeleteRatio"/> of a target's owned records holds its deletes
/// (see <see cref="HeldDeletes"/>) until a pass with a higher ratio confirms them. Records some sync wrote are never
/// mirrored by the sync that wrote them, nor written back into the registry they came from. Writes are limited by a
/// token bucket (<see cref="SyncOptions.MaxWritesPerSecond"/>) and fenced by leader election when there is one.
/// </remarks>
public sealed partial class MeshSyncEngine : IDisposable
{
    private readonly IMeshCatalog _catalog;
    private readonly IReadOnlyList<IServiceRegistryWriter> _targets;
    private readonly SyncOptions _options;
    private readonly ISyncLeadership? _leadership;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly SyncMetrics? _metrics;
    private readonly IDisposable _changes;
    private long _changedAt;
    private readonly TokenBucket _bucket;
    private readonly HashSet<string> _targetNames;
    private readonly Dictionary<string, Dictionary<string, IReadOnlyList<ServiceInstance>>?> _owned = new(StringComparer.Ordinal);

    // Per target: owned services whose stored objects drifted (OwnedRecords.Drifted), until they are written again.
    private readonly Dictionary<string, HashSet<string>> _drifted = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _held = new(StringComparer.Ordinal);
    private readonly Dictionary<string, SyncPlanner.DesiredCache> _desired = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _pass;
    private readonly bool _ownsPass;
    private readonly int _shard;
    private readonly int _shards;
    private readonly Func<string, bool>? _inShard;
    private long _lastListed;
    private bool _wasLeader;
    private WriteFence? _lastFence;
    private volatile bool _termEnded;
    private int _failures;

    /// <summary>Creates the engine.</summary>
    /// <param name="catalog">The mesh catalog the sources feed.</param>
    /// <param name="targets">The target writers; their names are <see cref="SyncOptions.To"/>.</param>
    /// <param name="options">What to mirror and the limits; validated here.</param>
    /// <param name="leadership">Leader election, or <see langword="null"/> to always write.</param>
    /// <param name="timeProvider">The clock (resync period, write limit).</param>
    /// <param name="logger">The logger; one summary line per pass and target.</param>
    /// <param name="meterFactory">Creates the meter for <c>registry.sync.*</c>; none when <see langword="null"/>.</param>
    /// <exception cref="ArgumentException">The options are invalid.</exception>
    public MeshSyncEngine(
        IMeshCatalog catalog,
        IEnumerable<IServiceRegistryWriter> targets,
        SyncOptions options,
        ISyncLeadership? leadership = null,
        TimeProvider? timeProvider = null,
        ILogger<MeshSyncEngine>? logger = null,
        IMeterFactory? meterFactory = null)
        : this(catalog, targets, options, leadership, timeProvider, logger, meterFactory is null ? null : new SyncMetrics(meterFactory), shard: null, shared: null)
    {
    }

    /// <summary>Creates the engine of one shard of <see cref="SyncOptions.Shards"/> (<see langword="null"/>: every service), sharing the write limit, the pass lock and the metrics with the other shards of this replica.</summary>
    internal MeshSyncEngine(
        IMeshCatalog catalog,
        IEnumerable<IServiceRegistryWriter> targets,
        SyncOptions options,
        ISyncLeadership? leadership,
        TimeProvider? timeProvider,
        ILogger? logger,
        SyncMetrics? metrics,
        int? shard,
        SyncEngineShared? shared)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(targets);
        ArgumentNullException.ThrowIfNull(options);
        var errors = options.Validate();
        if (errors.Count > 0)
        {
            throw new ArgumentException(string.Join(" ", errors), nameof(options));
        }

        _catalog = catalog;
        _targets = [.. targets];
        _options = options;
        _leadership = leadership;
        _time = timeProvider ?? TimeProvider.System;
        _logger = logger ?? NullLogger.Instance;
        _metrics = metrics;
        _bucket = shared?.Bucket ?? new TokenBucket(options.MaxWritesPerSecond, _time);
        _pass = shared?.Pass ?? new SemaphoreSlim(1, 1);
        _ownsPass = shared is null;
        _shards = shard is null ? 1 : options.Shards;
        _shard = shard ?? 0;
        if (_shards > 1)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(_shard, nameof(shard));
            ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(_shard, _shards, nameof(shard));
            _inShard = name => SyncShards.Of(name, _shards) == _shard;
        }

        if (leadership is ISyncCandidate candidate)
        {
            candidate.LeadershipChanged += OnLeadershipChanged;
        }
        _targetNames = _targets.Select(static t => t.Name).ToHashSet(StringComparer.Ordinal);
        foreach (var target in _targets)
        {
            _owned[target.Name] = null;
            _desired[target.Name] = new SyncPlanner.DesiredCache();
        }

        _lastListed = _time.GetTimestamp();
        _metrics?.Leader(MetricShard, leadership is null);

        // The first catalog change not yet mirrored: the start of registry.sync.lag.
        _changes = ChangeToken.OnChange(_catalog.GetChangeToken, () => Interlocked.CompareExchange(ref _changedAt, _time.GetTimestamp(), 0));
    }

    /// <summary>Deletes held back in the last pass, by target (the delete-ratio guard, or a source without a first snapshot).</summary>
    public IReadOnlyDictionary<string, int> HeldDeletes
    {
        get
        {
            lock (_held)
            {
                return new Dictionary<string, int>(_held, StringComparer.Ordinal);
            }
        }
    }

    /// <summary>The shard this engine mirrors (from 0) when it is one shard's engine of a <see cref="SyncShardCoordinator"/>; else <see langword="null"/>: every service.</summary>
    public int? Shard => _shards > 1 ? _shard : null;

    /// <summary>Called after every pass of <see cref="RunAsync"/> (the console prints a summary line).</summary>
    public Action<SyncPassResult>? PassCompleted { get; set; }

    /// <summary>Runs one reconcile pass over every target.</summary>
    /// <param name="cancellationToken">Cancels the pass; what was written stays written.</param>
    /// <returns>What the pass planned and wrote.</returns>
    public async Task<SyncPassResult> RunOnceAsync(CancellationToken cancellationToken = default)
    {
        await _pass.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return await PassAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _pass.Release();
        }
    }

    /// <summary>Reconciles until cancelled: a pass on every catalog change and on every <see cref="SyncOptions.Resync"/> (which lists the targets again).</summary>
    /// <param name="cancellationToken">Stops the sync.</param>
    /// <returns>A task that completes when cancelled.</returns>
    public async Task RunAsync(CancellationToken cancellationToken = default)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            if (_leadership is { IsLeader: false })
            {
                try
                {
                    await _leadership.WaitForLeadershipAsync(cancellationToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
                {
                    return;
                }
            }

            var token = _catalog.GetChangeToken();
            var failed = false;
            try
            {
                var pass = await RunOnceAsync(cancellationToken).ConfigureAwait(false);
                failed = pass.Errors.Count > 0;
                PassCompleted?.Invoke(pass);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }

            // A failed target is retried with backoff, not only on the next change or drift repair.
            _failures = failed ? Math.Min(_failures + 1, 6) : 0;
            var due = _options.Resync - _time.GetElapsedTime(_lastListed);
            if (failed)
            {
                var retry = TimeSpan.FromMilliseconds(500 * (1 << (_failures - 1)));
                due = retry < due ? retry : due;
            }

            using var wake = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            using var registration = token.RegisterChangeCallback(static s => ((CancellationTokenSource)s!).Cancel(), wake);
            try
            {
                // A change or a due drift repair wakes the loop; a change is picked up with the catalog's own coalescing.
                await Task.Delay(due > TimeSpan.Zero ? due : TimeSpan.Zero, _time, wake.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (_leadership is ISyncCandidate candidate)
        {
            candidate.LeadershipChanged -= OnLeadershipChanged;
        }

        _changes.Dispose();
        if (_ownsPass)
        {
            _pass.Dispose();
        }
    }

    private int MetricShard => _shards > 1 ? _shard : -1;

    private void OnLeadershipChanged(bool leads)
    {
        if (!leads)
        {
            // Another replica may write before this one leads again: the next term starts with a full reconcile.
            _termEnded = true;
        }
    }

    private bool IsSource(string registry) =>
        !_targetNames.Contains(registry)
        && (_options.From.Count == 0 || _options.From.Contains(registry, StringComparer.OrdinalIgnoreCase));

    private async Task<SyncPassResult> PassAsync(CancellationToken cancellationToken)
    {
        var started = _time.GetTimestamp();
        var leads = _leadership?.IsLeader ?? true;
        var fence = _leadership?.Fence;
        _metrics?.Leader(MetricShard, leads);
        if (leads && _leadership is not null && (!_wasLeader || _termEnded || fence != _lastFence))
        {
            // A new leader (or a new term of this one) starts with a full reconcile: whatever the last one wrote is listed again.
            _termEnded = false;
            ForgetOwned();
        }

        _wasLeader = leads;
        _lastFence = fence;
        if (_time.GetElapsedTime(_lastListed) >= _options.Resync)
        {
            ForgetOwned();
        }

        var changedAt = Interlocked.Exchange(ref _changedAt, 0);
        var snapshot = _catalog.Current;
        var plans = new List<SyncTargetPlan>();
        var errors = new Dictionary<string, string>(StringComparer.Ordinal);
        int writes = 0, requests = 0;
        foreach (var target in _targets)
        {
            try
            {
                var owned = await OwnedAsync(target, cancellationToken).ConfigureAwait(false);
                var plan = SyncPlanner.Plan(snapshot, target, owned, _options, IsSource, _inShard, _desired[target.Name], _drifted.GetValueOrDefault(target.Name));
                lock (_held)
                {
                    _held[target.Name] = plan.HeldDeletes;
                }

                plans.Add(plan);
                if (plan.HeldDeletes > 0)
                {
                    Log.DeletesHeld(_logger, target.Name, plan.HeldDeletes, plan.HeldReason ?? "");
                }

                foreach (var rejected in plan.Rejected.Take(16))
                {
                    Log.Rejected(_logger, target.Name, rejected.Key, rejected.Reason);
                }

                var (w, r, refused) = _options.DryRun || !leads ? (0, 0, new List<SkippedRecord>()) : await ApplyAsync(target, plan, owned, cancellationToken).ConfigureAwait(false);
                if (refused.Count > 0)
                {
                    // What the target refused while writing (a native object holds the name, a field conflict) is reported as the plan's own rejections are.
                    foreach (var rejected in refused.Take(16))
                    {
                        Log.Rejected(_logger, target.Name, rejected.Key, rejected.Reason);
                    }

                    plans[^1] = plan with { Rejected = [.. plan.Rejected, .. refused] };
                }

                writes += w;
                requests += r;
                if (w > 0 && changedAt != 0)
                {
                    _metrics?.Lag(target.Name, _time.GetElapsedTime(changedAt));
                }

                _metrics?.Target(target.Name, MetricShard, owned.Values.Sum(static s => s.Count), plan.HeldDeletes);
                Log.Summary(_logger, target.Name, snapshot.Revision, plan.Creates.Count, plan.Updates.Count, plan.Deletes.Count, plan.HeldDeletes, plan.Rejected.Count, r, Mode(leads));
            }
            catch (Exception ex) when (ex is RegistryException or TimeoutException or HttpRequestException
                || (ex is OperationCanceledException && !cancellationToken.IsCancellationRequested))
            {
                // A failed target (a client timeout too: a cancellation nobody asked for) is listed again before its next
                // write; the other targets go on.
                _owned[target.Name] = null;
                errors[target.Name] = ex.Message;
                Log.TargetFailed(_logger, target.Name, ex.Message);
            }
        }

        if (errors.Count > 0 && changedAt != 0)
        {
            // The change is not mirrored everywhere yet: the retry's lag counts from it.
            Interlocked.CompareExchange(ref _changedAt, changedAt, 0);
        }

        _metrics?.Pass(_time.GetElapsedTime(started));
        return new SyncPassResult { Revision = snapshot.Revision, Targets = plans, Writes = writes, Requests = requests, Errors = errors, Standby = !leads, Shard = Shard };
    }

    private string Mode(bool leads)
    {
        var mode = _options.DryRun ? "dry run" : leads ? "applied" : "standby";
        return _shards > 1 ? string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{mode}, shard {_shard} of {_shards}") : mode;
    }

    private void ForgetOwned()
    {
        foreach (var name in _owned.Keys.ToList())
        {
            _owned[name] = null;
        }
    }

    private async Task<Dictionary<string, IReadOnlyList<ServiceInstance>>> OwnedAsync(IServiceRegistryWriter target, CancellationToken cancellationToken)
    {
        if (_owned[target.Name] is { } known)
        {
            return known;
        }

        var listed = await target.ListOwnedAsync(_options.SyncId, cancellationToken).ConfigureAwait(false);
        var owned = _inShard is null
            ? new Dictionary<string, IReadOnlyList<ServiceInstance>>(listed.Services, StringComparer.Ordinal)
            : listed.Services.Where(p => _inShard(p.Key)).ToDictionary(StringComparer.Ordinal);
        _owned[target.Name] = owned;
        _drifted[target.Name] = _inShard is null ? [.. listed.Drifted] : [.. listed.Drifted.Where(_inShard)];
        _lastListed = _time.GetTimestamp();
        return owned;
    }
}
