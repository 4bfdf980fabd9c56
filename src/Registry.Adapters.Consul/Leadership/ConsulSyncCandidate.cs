using Registry.Adapters.Consul.Client;
using Registry.Adapters.Sync;

namespace Registry.Adapters.Consul.Leadership;

/// <summary>
/// One election (shard) in Consul: <c>PUT /v1/kv/mesh-sync/election/{election}?acquire={session}</c>. The leader watches
/// the key with a blocking query and steps down when the key is no longer held by its session or the session is lost; a
/// standby blocks on the key's index and acquires again once no session holds it (released, or deleted with an invalidated
/// session). An acquire refused while the key is free (its lock-delay) is tried again after RetryPeriod.
/// </summary>
/// <remarks>
/// <see cref="Fence"/> is <c>WriteFence(registry, key, token, session id)</c>. <see cref="WriteFence.Holder"/> is the Consul
/// session id, which a Consul target checks in every transaction (<c>check-session</c>). <see cref="WriteFence.Token"/> is
/// the key's <c>ModifyIndex</c> as read right after the acquire (the raft index of the acquisition, or later): it grows with
/// every new leadership. The key's <c>LockIndex</c> would not do: with <c>Behavior: delete</c> the key of an invalidated
/// session is deleted, and the next holder's <c>LockIndex</c> starts at 1 again.
/// </remarks>
internal sealed class ConsulSyncCandidate : ISyncCandidate
{
    private readonly ConsulSyncElection _election;
    private readonly Lock _gate = new();
    private TaskCompletionSource _leading = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private CancellationTokenSource? _run;
    private Task? _loop;
    private ConsulSession? _leaderSession;
    private WriteFence? _fence;
    private int _failures;

    public ConsulSyncCandidate(ConsulSyncElection election, string name, string key)
    {
        _election = election;
        Election = name;
        Key = key;
    }

    /// <inheritdoc />
    public string Election { get; }

    /// <summary>The KV key of the election.</summary>
    public string Key { get; }

    /// <inheritdoc />
    public bool IsLeader
    {
        get
        {
            lock (_gate)
            {
                return _leaderSession is { IsLost: false };
            }
        }
    }

    /// <inheritdoc />
    public WriteFence? Fence
    {
        get
        {
            lock (_gate)
            {
                // The last leadership's fence stays set after it ends: the engine reads IsLeader and Fence apart, and a
                // batch sent in between must fail at Consul (check-session of a lost or released session), not go unfenced.
                return _fence;
            }
        }
    }

    /// <inheritdoc />
    public event Action<bool>? LeadershipChanged;

    /// <inheritdoc />
    public void Start()
    {
        lock (_gate)
        {
            if (_loop is { IsCompleted: false })
            {
                return;
            }

            _run = CancellationTokenSource.CreateLinkedTokenSource(_election.Disposing);
            var token = _run.Token;
            _loop = Task.Run(() => CampaignAsync(token));
        }
    }

    /// <inheritdoc />
    public async Task StopAsync(CancellationToken cancellationToken = default)
    {
        CancellationTokenSource? run;
        Task? loop;
        lock (_gate)
        {
            (run, loop) = (_run, _loop);
            (_run, _loop) = (null, null);
        }

        if (run is null || loop is null)
        {
            return;
        }

        await run.CancelAsync().ConfigureAwait(false);
        await loop.ConfigureAwait(false);
        run.Dispose();
        var session = StepDown();
        if (session is { IsLost: false })
        {
            try
            {
                // A release, unlike an invalidation, puts no lock-delay on the key: a standby takes it at once.
                await _election.Client.LockKeyAsync(Key, session.Id, _election.Identity, acquire: false, cancellationToken).ConfigureAwait(false);
                ConsulSyncElection.Log.Released(_election.Logger, _election.RegistryName, Election, _election.Identity);
            }
            catch (Exception ex) when (ex is RegistryException or OperationCanceledException)
            {
                ConsulSyncElection.Log.Failed(_election.Logger, _election.RegistryName, _election.Identity, $"releasing '{Election}'", _election.Ttl * 2, ex.Message);
            }
        }
    }

    /// <inheritdoc />
    public Task WaitForLeadershipAsync(CancellationToken cancellationToken = default)
    {
        Task task;
        lock (_gate)
        {
            task = _leading.Task;
        }

        return task.WaitAsync(cancellationToken);
    }

    private async Task CampaignAsync(CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            ConsulSession session;
            try
            {
                session = await _election.WaitForSessionAsync(stop).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            using var linked = CancellationTokenSource.CreateLinkedTokenSource(stop, session.Lost);
            try
            {
                await CampaignWithAsync(session, linked.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (linked.IsCancellationRequested)
            {
            }
            catch (RegistryException ex)
            {
                StepDownAndLog();
                var what = $"campaigning for '{Election}'";
                if (++_failures <= 1)
                {
                    ConsulSyncElection.Log.Failed(_election.Logger, _election.RegistryName, _election.Identity, what, _election.Options.RetryPeriod, ex.Message);
                }
                else
                {
                    ConsulSyncElection.Log.FailedAgain(_election.Logger, _election.RegistryName, _election.Identity, what, ex.Message);
                }

                await _election.DelayAsync(_election.Options.RetryPeriod, linked.Token).ConfigureAwait(false);
                continue;
            }

            if (!stop.IsCancellationRequested)
            {
                StepDownAndLog();
            }
        }
    }

    private async Task CampaignWithAsync(ConsulSession session, CancellationToken token)
    {
        var client = _election.Client;
        while (true)
        {
            var acquired = await client.LockKeyAsync(Key, session.Id, _election.Identity, acquire: true, token).ConfigureAwait(false);
            var (entry, index) = await client.GetKeyAsync(Key, 0, token).ConfigureAwait(false);
            _failures = 0;
            if (acquired && entry is not null && string.Equals(entry.Session, session.Id, StringComparison.Ordinal))
            {
                Lead(session, entry.LockIndex, entry.ModifyIndex);
                entry = await HoldAsync(session, entry, index, token).ConfigureAwait(false);

                StepDownAndLog();
                continue;
            }

            if (entry is { Session: { Length: > 0 } holder } && !string.Equals(holder, session.Id, StringComparison.Ordinal))
            {
                var holderName = entry.Text;
                ConsulSyncElection.Log.StandingBy(_election.Logger, _election.RegistryName, Election, holderName, _election.Identity);
                while (entry is { Session: { Length: > 0 } } && !string.Equals(entry.Session, session.Id, StringComparison.Ordinal))
                {
                    (entry, index) = await client.GetKeyAsync(Key, index, token).ConfigureAwait(false);
                }

                continue;
            }

            // Free but refused: the key's lock-delay after its holder's session was invalidated.
            await Task.Delay(_election.Options.RetryPeriod, _election.Time, token).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Watches the key while it is held by the session. A failed read does not end leadership: the session does, when it is
    /// not renewed for the renew deadline (the token is cancelled then).
    /// </summary>
    private async Task<ConsulKvEntry?> HoldAsync(ConsulSession session, ConsulKvEntry? entry, ulong index, CancellationToken token)
    {
        var failures = 0;
        while (entry is not null && string.Equals(entry.Session, session.Id, StringComparison.Ordinal))
        {
            try
            {
                (entry, index) = await _election.Client.GetKeyAsync(Key, index, token).ConfigureAwait(false);
                failures = 0;
            }
            catch (RegistryException ex)
            {
                var what = $"watching '{Election}' as its leader";
                if (++failures <= 1)
                {
                    ConsulSyncElection.Log.Failed(_election.Logger, _election.RegistryName, _election.Identity, what, _election.Options.RetryPeriod, ex.Message);
                }
                else
                {
                    ConsulSyncElection.Log.FailedAgain(_election.Logger, _election.RegistryName, _election.Identity, what, ex.Message);
                }

                await Task.Delay(_election.Options.RetryPeriod, _election.Time, token).ConfigureAwait(false);
                index = 0;
            }
        }

        return entry;
    }

    private void Lead(ConsulSession session, ulong lockIndex, ulong modifyIndex)
    {
        TaskCompletionSource leading;
        lock (_gate)
        {
            _leaderSession = session;
            _fence = new WriteFence(_election.RegistryName, Key, (long)modifyIndex, session.Id);
            leading = _leading;
        }

        ConsulSyncElection.Log.StartedLeading(_election.Logger, _election.RegistryName, Election, _election.Identity, modifyIndex, lockIndex, session.Id);
        LeadershipChanged?.Invoke(true);

        // Waiters resume after the event's handlers ran, and only if this leadership has not ended meanwhile.
        lock (_gate)
        {
            if (ReferenceEquals(_leading, leading) && ReferenceEquals(_leaderSession, session))
            {
                leading.TrySetResult();
            }
        }
    }

    private void StepDownAndLog()
    {
        if (StepDown() is not null)
        {
            ConsulSyncElection.Log.StoppedLeading(_election.Logger, _election.RegistryName, Election, _election.Identity);
        }
    }

    /// <summary>Ends leadership (raising the event when it was held); returns the session it was held with.</summary>
    private ConsulSession? StepDown()
    {
        ConsulSession? session;
        lock (_gate)
        {
            session = _leaderSession;
            if (session is null)
            {
                return null;
            }

            _leaderSession = null;
            _leading = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        LeadershipChanged?.Invoke(false);
        return session;
    }
}
