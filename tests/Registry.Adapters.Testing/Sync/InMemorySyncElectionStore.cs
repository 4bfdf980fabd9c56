using Registry.Adapters.Sync;

namespace Registry.Adapters.Testing.Sync;

/// <summary>
/// An election store in memory with the semantics of the real ones (an etcd election, a Consul lock): candidates queue in
/// campaign order and the first live one leads; a new leadership gets a new fence token; a replica that stops or is
/// disposed releases at once; a replica that crashes (<see cref="InMemorySyncElection.Crash"/>) keeps its elections until
/// its lease expires on the <see cref="TimeProvider"/> (<c>FakeTimeProvider</c> in tests). Shared by the core's coordinator
/// tests and the backend projects.
/// </summary>
public sealed class InMemorySyncElectionStore
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, List<InMemorySyncElection.Candidate>> _queues = new(StringComparer.Ordinal);
    private readonly Dictionary<string, InMemorySyncElection.Candidate?> _leaders = new(StringComparer.Ordinal);
    private readonly List<InMemorySyncElection> _replicas = [];
    private readonly List<ITimer> _expiries = [];
    private long _token;

    /// <summary>Creates the store.</summary>
    /// <param name="timeProvider">The clock that expires the leases of crashed replicas.</param>
    /// <param name="leaseDuration">How long a crashed replica keeps its elections.</param>
    /// <param name="registry">The registry name the fences carry.</param>
    public InMemorySyncElectionStore(TimeProvider timeProvider, TimeSpan leaseDuration, string registry = "memory")
    {
        ArgumentNullException.ThrowIfNull(timeProvider);
        Time = timeProvider;
        LeaseDuration = leaseDuration;
        Registry = registry;
    }

    /// <summary>The clock.</summary>
    public TimeProvider Time { get; }

    /// <summary>How long a crashed replica keeps its elections.</summary>
    public TimeSpan LeaseDuration { get; }

    /// <summary>The registry name in every fence.</summary>
    public string Registry { get; }

    /// <summary>When set, <see cref="ISyncElection.ListReplicasAsync"/> throws what it returns (a store that cannot be read), unless <see langword="null"/>.</summary>
    public Func<Exception?>? CountFault { get; set; }

    /// <summary>How many leaderships were handed out, over every election.</summary>
    public long Terms
    {
        get
        {
            lock (_gate)
            {
                return _token;
            }
        }
    }

    /// <summary>Creates one replica's election.</summary>
    /// <param name="identity">The replica's identity.</param>
    /// <returns>The election; dispose it to step down and leave.</returns>
    public InMemorySyncElection CreateElection(string identity)
    {
        ArgumentException.ThrowIfNullOrEmpty(identity);
        var election = new InMemorySyncElection(this, identity);
        lock (_gate)
        {
            _replicas.Add(election);
        }

        return election;
    }

    /// <summary>The identity of the replica that leads <paramref name="election"/>, or <see langword="null"/>.</summary>
    /// <param name="election">The election name.</param>
    /// <returns>The leader's identity.</returns>
    public string? LeaderOf(string election)
    {
        lock (_gate)
        {
            return _leaders.TryGetValue(election, out var leader) ? leader?.Owner.Identity : null;
        }
    }

    /// <summary>The live replicas (those not disposed and not expired).</summary>
    public int Replicas
    {
        get
        {
            lock (_gate)
            {
                return _replicas.Count;
            }
        }
    }

    /// <summary>Whether <paramref name="fence"/> is the current leadership of its election (the check a fenced write makes).</summary>
    /// <param name="fence">The fence of a write.</param>
    /// <returns><see langword="true"/> while that leadership lasts.</returns>
    public bool Holds(WriteFence fence)
    {
        ArgumentNullException.ThrowIfNull(fence);
        lock (_gate)
        {
            return _leaders.TryGetValue(fence.Key, out var leader) && leader?.Fence?.Token == fence.Token;
        }
    }

    internal void Enqueue(InMemorySyncElection.Candidate candidate)
    {
        List<Action> raise;
        lock (_gate)
        {
            if (!_queues.TryGetValue(candidate.Election, out var queue))
            {
                _queues[candidate.Election] = queue = [];
            }

            if (!queue.Contains(candidate))
            {
                queue.Add(candidate);
            }

            raise = Elect(candidate.Election);
        }

        Raise(raise);
    }

    internal void Dequeue(InMemorySyncElection.Candidate candidate)
    {
        List<Action> raise;
        lock (_gate)
        {
            if (_queues.TryGetValue(candidate.Election, out var queue))
            {
                queue.Remove(candidate);
            }

            raise = Elect(candidate.Election);
        }

        Raise(raise);
    }

    /// <summary>Removes a replica and every candidacy it has (disposed, or its lease expired).</summary>
    internal void Leave(InMemorySyncElection replica)
    {
        var raise = new List<Action>();
        lock (_gate)
        {
            _replicas.Remove(replica);
            foreach (var (name, queue) in _queues)
            {
                if (queue.RemoveAll(c => c.Owner == replica) > 0)
                {
                    raise.AddRange(Elect(name));
                }
            }
        }

        Raise(raise);
    }

    /// <summary>Expires a crashed replica's leases after <see cref="LeaseDuration"/>.</summary>
    internal void Expire(InMemorySyncElection replica)
    {
        var timer = Time.CreateTimer(_ => Leave(replica), null, LeaseDuration, Timeout.InfiniteTimeSpan);
        lock (_gate)
        {
            _expiries.Add(timer);
        }
    }

    internal IReadOnlyList<string> List(string self)
    {
        if (CountFault?.Invoke() is { } fault)
        {
            throw fault;
        }

        lock (_gate)
        {
            return [.. _replicas.Select(static r => r.Identity).Append(self).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)];
        }
    }

    private List<Action> Elect(string election)
    {
        var raise = new List<Action>();
        var head = _queues.TryGetValue(election, out var queue) && queue.Count > 0 ? queue[0] : null;
        var current = _leaders.TryGetValue(election, out var leader) ? leader : null;
        if (head == current)
        {
            return raise;
        }

        if (current is not null)
        {
            raise.Add(current.Lose());
        }

        _leaders[election] = head;
        if (head is not null)
        {
            raise.Add(head.Win(new WriteFence(Registry, election, ++_token, head.Owner.Identity)));
        }

        return raise;
    }

    private static void Raise(List<Action> raise)
    {
        foreach (var action in raise)
        {
            action();
        }
    }
}
