using Registry.Adapters.Sync;

namespace Registry.Adapters.Testing.Sync;

/// <summary>One replica's election in an <see cref="InMemorySyncElectionStore"/>.</summary>
public sealed class InMemorySyncElection : ISyncElection
{
    private readonly InMemorySyncElectionStore _store;
    private readonly Dictionary<string, Candidate> _candidates = new(StringComparer.Ordinal);
    private volatile bool _crashed;

    internal InMemorySyncElection(InMemorySyncElectionStore store, string identity)
    {
        _store = store;
        Identity = identity;
    }

    /// <inheritdoc />
    public string Identity { get; }

    /// <summary>How many times <see cref="ListReplicasAsync"/> was called.</summary>
    public int Counts { get; private set; }

    /// <summary>Whether the replica crashed (<see cref="Crash"/>).</summary>
    public bool Crashed => _crashed;

    /// <inheritdoc />
    public ISyncCandidate GetCandidate(string election)
    {
        ArgumentException.ThrowIfNullOrEmpty(election);
        lock (_candidates)
        {
            if (!_candidates.TryGetValue(election, out var candidate))
            {
                _candidates[election] = candidate = new Candidate(this, election);
            }

            return candidate;
        }
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<string>> ListReplicasAsync(CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        Counts++;
        return Task.FromResult(_store.List(Identity));
    }

    /// <summary>
    /// kill -9: from now on this replica releases nothing (stops and disposal do not reach the store) and its elections
    /// expire after the store's lease duration, as a real lease or session does.
    /// </summary>
    public void Crash()
    {
        _crashed = true;
        _store.Expire(this);
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync()
    {
        if (!_crashed)
        {
            _store.Leave(this);
        }

        return ValueTask.CompletedTask;
    }

    /// <summary>A candidate: queued in its election while started.</summary>
    internal sealed class Candidate(InMemorySyncElection owner, string election) : ISyncCandidate
    {
        private readonly Lock _gate = new();
        private TaskCompletionSource _leading = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private WriteFence? _fence;

        public InMemorySyncElection Owner => owner;

        public string Election => election;

        public bool IsLeader
        {
            get
            {
                lock (_gate)
                {
                    return _fence is not null;
                }
            }
        }

        public WriteFence? Fence
        {
            get
            {
                lock (_gate)
                {
                    return _fence;
                }
            }
        }

        public event Action<bool>? LeadershipChanged;

        public void Start()
        {
            if (!owner._crashed)
            {
                owner._store.Enqueue(this);
            }
        }

        public Task StopAsync(CancellationToken cancellationToken = default)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (!owner._crashed)
            {
                owner._store.Dequeue(this);
            }

            return Task.CompletedTask;
        }

        public Task WaitForLeadershipAsync(CancellationToken cancellationToken = default)
        {
            lock (_gate)
            {
                return _leading.Task.WaitAsync(cancellationToken);
            }
        }

        /// <summary>Becomes leader (under the store's lock); returns the notification to raise outside it.</summary>
        internal Action Win(WriteFence fence)
        {
            lock (_gate)
            {
                _fence = fence;
                _leading.TrySetResult();
            }

            return () => LeadershipChanged?.Invoke(true);
        }

        /// <summary>Stops leading (under the store's lock); returns the notification to raise outside it.</summary>
        internal Action Lose()
        {
            lock (_gate)
            {
                _fence = null;
                if (_leading.Task.IsCompleted)
                {
                    _leading = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                }
            }

            return () => LeadershipChanged?.Invoke(false);
        }
    }
}
