using System.Threading.Channels;

namespace Registry.Adapters.Sync.Serve;

/// <summary>One <c>/v1/watch</c> connection: a bounded queue of encoded events, filled by the hub.</summary>
internal sealed class SseClient : IDisposable
{
    private readonly WatchHub _hub;
    private readonly Channel<byte[]> _events;

    public SseClient(WatchHub hub, int capacity, long skipUpTo)
    {
        _hub = hub;
        SkipUpTo = skipUpTo;
        _events = Channel.CreateBounded<byte[]>(new BoundedChannelOptions(capacity)
        {
            SingleReader = true,
            SingleWriter = true,
            FullMode = BoundedChannelFullMode.Wait,
        });
    }

    /// <summary>Change events up to this revision are already known to the client (its snapshot or its Last-Event-ID).</summary>
    public long SkipUpTo { get; }

    public ChannelReader<byte[]> Events => _events.Reader;

    /// <summary>Queues an event without waiting; <see langword="false"/> when the client's queue is full.</summary>
    public bool TryWrite(byte[] encoded) => _events.Writer.TryWrite(encoded);

    /// <summary>Ends the stream: with <see cref="SlowClientException"/> when the client fell behind, else normally.</summary>
    public void Complete(Exception? error = null) => _events.Writer.TryComplete(error);

    public void Dispose() => _hub.Remove(this);
}

/// <summary>The client did not read its events fast enough and was dropped; it reconnects and resumes with Last-Event-ID.</summary>
internal sealed class SlowClientException : Exception
{
    public SlowClientException()
        : base("The client fell behind its event queue and was dropped.")
    {
    }

    public SlowClientException(string message)
        : base(message)
    {
    }

    public SlowClientException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
