namespace Registry.Adapters.Consul.Leadership;

/// <summary>One Consul session of a replica: its id, and a token cancelled when it is lost (gone, or not renewed for the renew deadline).</summary>
internal sealed class ConsulSession : IDisposable
{
    private readonly CancellationTokenSource _lost = new();

    public ConsulSession(string id) => Id = id;

    /// <summary>The session id (the <see cref="WriteFence.Holder"/> of the leaderships it holds).</summary>
    public string Id { get; }

    /// <summary>Cancelled when the session can no longer be trusted: leadership under it ends.</summary>
    public CancellationToken Lost => _lost.Token;

    public bool IsLost => _lost.IsCancellationRequested;

    /// <summary>The servers answered 404 to a renewal: the session was invalidated and holds nothing.</summary>
    public bool Gone { get; set; }

    /// <summary>Fires at the renew deadline unless a renewal moves it.</summary>
    public ITimer? Deadline { get; set; }

    /// <summary>The renewal cadence, from the session's creation: a tick that passes during a slow request is not lost.</summary>
    public PeriodicTimer? Renewals { get; set; }

    /// <summary>The member key is held by this session.</summary>
    public bool MemberHeld { get; set; }

    public void Lose()
    {
        try
        {
            _lost.Cancel();
        }
        catch (ObjectDisposedException)
        {
        }
    }

    /// <summary>Loses the session (if not yet) and frees its timer; its token stays cancelled.</summary>
    public void Dispose()
    {
        Deadline?.Dispose();
        Renewals?.Dispose();
        Lose();
        _lost.Dispose();
    }
}
