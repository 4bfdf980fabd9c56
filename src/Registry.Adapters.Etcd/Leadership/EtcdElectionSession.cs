namespace Registry.Adapters.Etcd;

/// <summary>
/// One lease of an <see cref="EtcdSyncElection"/>: healthy while etcd renewed it within the renew deadline, lost for good
/// once it expired, was given up or the election was closed (<see cref="LostToken"/> then fires, and a new lease follows).
/// </summary>
internal sealed class EtcdElectionSession : IDisposable
{
    private readonly TimeProvider _time;
    private readonly TimeSpan _renewDeadline;
    private readonly CancellationTokenSource _lost = new();
    private readonly ITimer _deadline;
    private long _renewedAt;
    private int _ended;
    private int _sent;
    private int _renewals;

    /// <param name="lease">The lease id.</param>
    /// <param name="sentAt">The timestamp at which the grant was sent: etcd counts the TTL from no earlier than that.</param>
    /// <param name="time">The clock of the renew deadline.</param>
    /// <param name="renewDeadline">How long the lease stays trusted without a renewal.</param>
    public EtcdElectionSession(long lease, long sentAt, TimeProvider time, TimeSpan renewDeadline)
    {
        Lease = lease;
        _time = time;
        _renewDeadline = renewDeadline;
        _renewedAt = sentAt;
        _deadline = time.CreateTimer(static s => ((EtcdElectionSession)s!).End("it was not renewed within the renew deadline"), this, Max(Remaining(), TimeSpan.Zero), Timeout.InfiniteTimeSpan);
    }

    public long Lease { get; }

    /// <summary>Cancelled once the lease is lost.</summary>
    public CancellationToken LostToken => _lost.Token;

    public bool IsLost => Volatile.Read(ref _ended) != 0;

    /// <summary>Why the lease was lost, once it is.</summary>
    public string? Reason { get; private set; }

    /// <summary>Whether the lease can be trusted now: not lost, and renewed within the renew deadline (checked on the clock, not only by the timer).</summary>
    public bool IsHealthy => !IsLost && _time.GetElapsedTime(Volatile.Read(ref _renewedAt)) < _renewDeadline;

    /// <summary>The keep-alive requests sent on this lease.</summary>
    public int Sent => Volatile.Read(ref _sent);

    /// <summary>The keep-alive requests etcd answered with the lease alive.</summary>
    public int Renewals => Volatile.Read(ref _renewals);

    /// <summary>The timestamp (<see cref="TimeProvider.GetTimestamp"/>) the last renewal was sent at, or the grant.</summary>
    public long RenewedAt => Volatile.Read(ref _renewedAt);

    /// <summary>A keep-alive request is being sent now; returns the timestamp to pass to <see cref="Renewed"/>.</summary>
    public long Sending()
    {
        Interlocked.Increment(ref _sent);
        return _time.GetTimestamp();
    }

    /// <summary>etcd renewed the lease for a keep-alive sent at <paramref name="sentAt"/>.</summary>
    public void Renewed(long sentAt)
    {
        if (IsLost)
        {
            return;
        }

        Interlocked.Increment(ref _renewals);

        Volatile.Write(ref _renewedAt, sentAt);
        var remaining = Remaining();
        if (remaining <= TimeSpan.Zero)
        {
            End("it was not renewed within the renew deadline");
            return;
        }

        try
        {
            _deadline.Change(remaining, Timeout.InfiniteTimeSpan);
        }
        catch (ObjectDisposedException)
        {
        }
    }

    /// <summary>Whether etcd itself answered that the lease expired (nothing left to revoke).</summary>
    public bool ExpiredAtEtcd { get; private set; }

    /// <summary>etcd answered a keep-alive with TTL 0: the lease and every key on it are gone.</summary>
    public void Expired()
    {
        ExpiredAtEtcd = true;
        End("etcd says it expired");
    }

    /// <summary>Marks the lease lost (once) and fires <see cref="LostToken"/>.</summary>
    public void End(string reason)
    {
        if (Interlocked.Exchange(ref _ended, 1) != 0)
        {
            return;
        }

        Reason = reason;
        _deadline.Dispose();
        _lost.Cancel();
    }

    public void Dispose()
    {
        End("the election was closed");
        _lost.Dispose();
    }

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;

    private TimeSpan Remaining() => _renewDeadline - _time.GetElapsedTime(Volatile.Read(ref _renewedAt));
}
