using System.Buffers;
using System.IO.Pipelines;
using System.Threading.Channels;

namespace Registry.Adapters.Sync.Serve;

/// <summary>
/// One <c>/v1/watch</c> connection. Once its stream is <see cref="Attach">attached</see>, the hub writes each event's
/// shared bytes straight into the connection's response pipe and flushes without waiting (one buffer copy and one
/// flush per client and event; no task switch per client). While a flush is still pending (the client reads slowly)
/// or before the stream is attached, events wait in a bounded queue; a client whose queue is full is dropped.
/// </summary>
internal sealed class SseClient : IDisposable
{
    private readonly WatchHub _hub;
    private readonly Channel<byte[]> _events;
    private readonly Lock _lock = new();
    private readonly TaskCompletionSource _ended = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private PipeWriter? _writer;
    private Task _flushing = Task.CompletedTask;
    private bool _busy;
    private bool _done;

    public SseClient(WatchHub hub, int capacity, long skipUpTo)
    {
        _hub = hub;
        SkipUpTo = skipUpTo;
        _events = Channel.CreateBounded<byte[]>(new BoundedChannelOptions(capacity)
        {
            SingleReader = true,
            SingleWriter = false,
            FullMode = BoundedChannelFullMode.Wait,
        });
    }

    /// <summary>Change events up to this revision are already known to the client (its snapshot or its Last-Event-ID).</summary>
    public long SkipUpTo { get; }

    /// <summary>The queued events of a client whose stream is not attached (or is behind on a flush).</summary>
    public ChannelReader<byte[]> Events => _events.Reader;

    /// <summary>Completes when the stream ends: normally, or with <see cref="SlowClientException"/> when the client fell behind.</summary>
    public Task Ended => _ended.Task;

    /// <summary>Sends an event without waiting; <see langword="false"/> when the client's queue is full.</summary>
    public bool TryWrite(byte[] encoded)
    {
        lock (_lock)
        {
            if (_done)
            {
                return true;
            }

            if (_writer is null || _busy)
            {
                return _events.Writer.TryWrite(encoded);
            }

            WriteLocked(encoded);
            return true;
        }
    }

    /// <summary>From now on the hub writes into <paramref name="writer"/> (the endpoint has written and flushed what came first); what was queued meanwhile goes first.</summary>
    public void Attach(PipeWriter writer)
    {
        lock (_lock)
        {
            if (_done)
            {
                return;
            }

            _writer = writer;
            if (_events.Reader.TryRead(out var first))
            {
                writer.Write(first);
                DrainAndFlushLocked();
            }
        }
    }

    /// <summary>Stops writing (the request is ending); the returned task completes when no flush is pending any more.</summary>
    public Task DetachAsync()
    {
        lock (_lock)
        {
            _done = true;
            if (_busy)
            {
                _writer?.CancelPendingFlush();
            }

            _writer = null;
            _ended.TrySetResult();
            return _flushing;
        }
    }

    /// <summary>Ends the stream: with <see cref="SlowClientException"/> when the client fell behind, else normally.</summary>
    public void Complete(Exception? error = null)
    {
        lock (_lock)
        {
            _events.Writer.TryComplete(error);
            if (error is SlowClientException slow)
            {
                _ended.TrySetException(slow);
            }
            else
            {
                _ended.TrySetResult();
            }
        }
    }

    public void Dispose() => _hub.Remove(this);

    private void WriteLocked(byte[] encoded)
    {
        try
        {
            _writer!.Write(encoded);
            DrainAndFlushLocked();
        }
        catch (Exception ex) when (ex is InvalidOperationException or IOException or OperationCanceledException)
        {
            // The response is over (the connection went away); the endpoint ends the stream.
            EndLocked();
        }
    }

    /// <summary>Under the lock, with bytes written: writes whatever is queued, flushes, and leaves a slow flush to <see cref="AfterFlushAsync"/>.</summary>
    private void DrainAndFlushLocked()
    {
        while (_events.Reader.TryRead(out var queued))
        {
            _writer!.Write(queued);
        }

        var flush = _writer!.FlushAsync();
        if (flush.IsCompletedSuccessfully)
        {
            var result = flush.Result;
            if (result.IsCanceled || result.IsCompleted)
            {
                EndLocked();
            }

            return;
        }

        _busy = true;
        _flushing = AfterFlushAsync(flush.AsTask());
    }

    private async Task AfterFlushAsync(Task<FlushResult> pending)
    {
        while (true)
        {
            bool over;
            try
            {
                var result = await pending.ConfigureAwait(false);
                over = result.IsCanceled || result.IsCompleted;
            }
            catch (Exception ex) when (ex is InvalidOperationException or IOException or OperationCanceledException)
            {
                over = true;
            }

            lock (_lock)
            {
                if (over || _done || _writer is null)
                {
                    _busy = false;
                    EndLocked();
                    return;
                }

                if (!_events.Reader.TryRead(out var queued))
                {
                    _busy = false;
                    return;
                }

                _writer.Write(queued);
                while (_events.Reader.TryRead(out queued))
                {
                    _writer.Write(queued);
                }

                var flush = _writer.FlushAsync();
                if (flush.IsCompletedSuccessfully)
                {
                    var result = flush.Result;
                    _busy = false;
                    if (result.IsCanceled || result.IsCompleted)
                    {
                        EndLocked();
                    }

                    return;
                }

                pending = flush.AsTask();
            }
        }
    }

    private void EndLocked()
    {
        _done = true;
        _ended.TrySetResult();
    }
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
