namespace Registry.Adapters;

/// <summary>
/// One consumer of <see cref="MeshCatalog.WatchAsync"/>. The catalog posts changes under its lock (cheap: they are
/// folded into a per-service pending map, never queued), timers decide when a batch is due, and the consumer takes
/// the pending map as one batch. A slow consumer therefore never blocks the catalog, and its backlog is bounded by
/// the number of services.
/// </summary>
internal sealed class CatalogWatcher : IDisposable
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, MeshChange> _pending = new(StringComparer.OrdinalIgnoreCase);
    private readonly SemaphoreSlim _signal = new(0, 1);
    private readonly TimeSpan _quietPeriod;
    private readonly TimeSpan _maxDelay;
    private readonly ITimer _quietTimer;
    private readonly ITimer _maxTimer;
    private long _revision;
    private bool _maxArmed;
    private bool _ready;
    private bool _completed;

    public CatalogWatcher(TimeProvider time, TimeSpan quietPeriod, TimeSpan maxDelay, long startRevision)
    {
        _quietPeriod = quietPeriod;
        _maxDelay = maxDelay;
        _revision = startRevision;
        _quietTimer = time.CreateTimer(static s => ((CatalogWatcher)s!).OnDue(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        _maxTimer = time.CreateTimer(static s => ((CatalogWatcher)s!).OnDue(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    /// <summary>Ends the watch with its cancellation token; disposed with the watcher.</summary>
    public CancellationTokenRegistration Registration { get; set; }

    /// <summary>The catalog is disposed or the watch ended: no more batches.</summary>
    public bool IsCompleted
    {
        get
        {
            lock (_gate)
            {
                return _completed;
            }
        }
    }

    /// <summary>Folds changes into the pending batch (net effect per service) and (re)starts the timers.</summary>
    public void Post(MeshChange[] changes, long revision)
    {
        lock (_gate)
        {
            if (_completed)
            {
                return;
            }

            foreach (var change in changes)
            {
                Coalesce(change);
            }

            _revision = revision;
            if (_ready)
            {
                return;
            }

            if (!_maxArmed)
            {
                _maxArmed = true;
                _maxTimer.Change(_maxDelay, Timeout.InfiniteTimeSpan);
            }

            _quietTimer.Change(_quietPeriod, Timeout.InfiniteTimeSpan);
        }
    }

    /// <summary>Waits until a batch is due or the watch completes.</summary>
    public Task WaitAsync(CancellationToken cancellationToken) => _signal.WaitAsync(cancellationToken);

    /// <summary>Takes the pending changes as one batch, sorted by name; <see langword="null"/> when they cancelled out.</summary>
    public MeshChangeBatch? Take()
    {
        lock (_gate)
        {
            _ready = false;
            if (_pending.Count == 0)
            {
                return null;
            }

            var changes = _pending.Values.ToArray();
            Array.Sort(changes, static (a, b) => string.CompareOrdinal(a.Service.Name, b.Service.Name));
            _pending.Clear();
            return new MeshChangeBatch(_revision, changes);
        }
    }

    /// <summary>Ends the watch: the consumer wakes up and stops.</summary>
    public void Complete()
    {
        lock (_gate)
        {
            if (_completed)
            {
                return;
            }

            _completed = true;
            _pending.Clear();
            StopTimers();
        }

        Signal();
    }

    public void Dispose()
    {
        Complete();
        Registration.Dispose();
        _quietTimer.Dispose();
        _maxTimer.Dispose();
    }

    private void OnDue()
    {
        lock (_gate)
        {
            StopTimers();
            if (_completed || _ready || _pending.Count == 0)
            {
                return;
            }

            _ready = true;
        }

        Signal();
    }

    private void Signal()
    {
        if (_signal.CurrentCount == 0)
        {
            try
            {
                _signal.Release();
            }
            catch (SemaphoreFullException)
            {
                // Already signalled by a concurrent caller; one wake-up is enough.
            }
        }
    }

    private void StopTimers()
    {
        _maxArmed = false;
        _quietTimer.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        _maxTimer.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    /// <summary>Keeps the net effect per service: added+removed cancel out, removed+added is an update.</summary>
    private void Coalesce(MeshChange change)
    {
        var name = change.Service.Name;
        if (!_pending.TryGetValue(name, out var prior))
        {
            _pending[name] = change;
            return;
        }

        switch (prior.Kind, change.Kind)
        {
            case (MeshChangeKind.Added, MeshChangeKind.Removed):
                _pending.Remove(name);
                break;
            case (MeshChangeKind.Added, _):
                _pending[name] = change with { Kind = MeshChangeKind.Added };
                break;
            case (MeshChangeKind.Removed, MeshChangeKind.Added):
                _pending[name] = change with { Kind = MeshChangeKind.Updated };
                break;
            default:
                _pending[name] = change;
                break;
        }
    }
}
