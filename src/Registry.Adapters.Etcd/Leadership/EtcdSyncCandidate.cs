using Registry.Adapters.Sync;

namespace Registry.Adapters.Etcd;

/// <summary>
/// One replica's candidacy in one etcd election: its key <c>/mesh-sync/election/{election}/{lease hex}</c> on the
/// election's lease; the key with the lowest create revision under the election's prefix leads, and its create revision
/// is the write fence. A standby watches the key just before its own for deletion (no polling).
/// </summary>
internal sealed partial class EtcdSyncCandidate : ISyncCandidate, IDisposable
{
    private readonly EtcdSyncElection _owner;
    private readonly Lock _gate = new();
    private readonly Lock _changes = new();
    private Run? _run;
    private Task _loop = Task.CompletedTask;
    private Leading? _leading;
    private WriteFence? _fence;
    private TaskCompletionSource _leader = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public EtcdSyncCandidate(EtcdSyncElection owner, string election)
    {
        _owner = owner;
        Election = election;
        Prefix = EtcdSyncElection.ElectionPrefix + election + "/";
    }

    /// <inheritdoc />
    public event Action<bool>? LeadershipChanged;

    /// <inheritdoc />
    public string Election { get; }

    /// <summary>The key prefix of the election's candidates.</summary>
    internal string Prefix { get; }

    /// <inheritdoc />
    /// <remarks>False as soon as the lease went unrenewed for the renew deadline, even before etcd could expire it.</remarks>
    public bool IsLeader => Volatile.Read(ref _leading) is { Session.IsHealthy: true };

    /// <inheritdoc />
    /// <remarks>The fence of the last leadership, still after it was lost: a stale write then fails in etcd instead of going unfenced.</remarks>
    public WriteFence? Fence => Volatile.Read(ref _fence);

    /// <inheritdoc />
    public void Start()
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_owner.Disposed.IsCancellationRequested, this);
            if (_run is not null)
            {
                return;
            }

            var run = new Run(_owner.Disposed);
            var previous = _loop;
            _run = run;
            _loop = Task.Run(() => CampaignLoopAsync(previous, run), CancellationToken.None);
        }
    }

    /// <inheritdoc />
    public Task StopAsync(CancellationToken cancellationToken = default) => StopAsync(release: true, cancellationToken);

    /// <inheritdoc />
    public Task WaitForLeadershipAsync(CancellationToken cancellationToken = default)
    {
        Task leader;
        lock (_gate)
        {
            if (IsLeader)
            {
                return Task.CompletedTask;
            }

            leader = _leader.Task;
        }

        return leader.WaitAsync(cancellationToken);
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _run?.Cancel();
            _run = null;
        }
    }

    /// <summary>Stops campaigning; with <paramref name="release"/> the key is deleted so the next candidate leads at once.</summary>
    internal async Task StopAsync(bool release, CancellationToken cancellationToken)
    {
        Task loop;
        lock (_gate)
        {
            if (_run is { } run)
            {
                run.Release = release;
                run.ReleaseToken = cancellationToken;
                run.Cancel();
                _run = null;
            }

            loop = _loop;
        }

        await loop.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }

    private void Promote(EtcdElectionSession session, Held held)
    {
        // Changes are raised in the order they happen: a step-down from the renew-deadline timer waits for this.
        lock (_changes)
        {
            Leading leading;
            lock (_gate)
            {
                if (_leading is { } current && current.Session == session && current.Held == held)
                {
                    // The same leadership, found again after a failed read: not a new one.
                    return;
                }

                if (!session.IsHealthy)
                {
                    // The lease went unrenewed while campaigning: the loop campaigns again under the next one.
                    return;
                }

                Volatile.Write(ref _fence, new WriteFence(_owner.RegistryName, held.Key, held.Revision, _owner.Identity));
                leading = new Leading(session, held);
                Volatile.Write(ref _leading, leading);
                _leader.TrySetResult();
            }

            Log.Elected(_owner.Logger, _owner.RegistryName, Election, ServiceInstanceValidator.Printable(_owner.Identity), held.Revision);
            Raise(true);

            // A lease given up at the renew deadline steps down at once, from the timer, not when the loop notices
            // (at once here, when it was lost meanwhile).
            var lost = session.LostToken.UnsafeRegister(static s => ((EtcdSyncCandidate)s!).Demote("its lease was lost"), this);
            lock (_gate)
            {
                if (ReferenceEquals(_leading, leading))
                {
                    leading.Lost = lost;
                }
                else
                {
                    lost.Unregister();
                }
            }
        }
    }

    private void Demote(string reason)
    {
        lock (_changes)
        {
            lock (_gate)
            {
                if (_leading is not { } leading)
                {
                    return;
                }

                Volatile.Write(ref _leading, null);
                leading.Lost.Unregister();
                if (_leader.Task.IsCompleted)
                {
                    _leader = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                }
            }

            Log.SteppedDown(_owner.Logger, _owner.RegistryName, Election, reason);
            Raise(false);
        }
    }

    private void Raise(bool leads)
    {
        try
        {
            LeadershipChanged?.Invoke(leads);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // A handler's failure must not stop the campaign.
            Log.HandlerFailed(_owner.Logger, _owner.RegistryName, Election, EtcdSyncElection.Describe(ex));
        }
    }

    /// <summary>The key this candidate holds in etcd, with its create revision.</summary>
    private sealed record Held(string Key, long Revision, long Lease);

    private sealed class Leading(EtcdElectionSession session, Held held)
    {
        public EtcdElectionSession Session { get; } = session;

        public Held Held { get; } = held;

        public CancellationTokenRegistration Lost { get; set; }
    }

    /// <summary>One campaign between <see cref="Start"/> and <see cref="StopAsync(CancellationToken)"/>.</summary>
    private sealed class Run(CancellationToken closed) : IDisposable
    {
        public CancellationTokenSource Stop { get; } = CancellationTokenSource.CreateLinkedTokenSource(closed);

        public bool Release { get; set; }

        public CancellationToken ReleaseToken { get; set; }

        public void Cancel()
        {
            try
            {
                Stop.Cancel();
            }
            catch (ObjectDisposedException)
            {
                // The campaign already ended (the election closed).
            }
        }

        public void Dispose() => Stop.Dispose();
    }
}
