using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Primitives;

namespace Registry.Adapters.Sync.Serve;

/// <summary>The hub's loop: the catalog's typed change batches, and registry status changes between them.</summary>
internal sealed partial class WatchHub
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        lock (_gate)
        {
            // Read Current, then start the watch: every change after _base arrives as a batch.
            _base = _catalog.Current.Revision;
        }

        var batches = _catalog.WatchAsync(stoppingToken).GetAsyncEnumerator(stoppingToken);
        await using (batches.ConfigureAwait(false))
        {
            try
            {
                var next = batches.MoveNextAsync().AsTask();
                Task? changed = null;
                while (true)
                {
                    if (changed is null || changed.IsCompleted)
                    {
                        changed = WaitAsync(_catalog.GetChangeToken(), stoppingToken);
                        PublishRegistries();
                    }

                    var done = await Task.WhenAny(next, changed).ConfigureAwait(false);
                    stoppingToken.ThrowIfCancellationRequested();
                    if (done == next)
                    {
                        if (!await next.ConfigureAwait(false))
                        {
                            break;
                        }

                        Publish(batches.Current);
                        next = batches.MoveNextAsync().AsTask();
                    }
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
            }
            finally
            {
                lock (_gate)
                {
                    foreach (var client in _clients)
                    {
                        client.Complete();
                    }
                }
            }
        }
    }

    private void Publish(MeshChangeBatch batch)
    {
        var encoded = WatchEvents.Batch(batch);
        lock (_gate)
        {
            _replay.AddLast((batch.Revision, encoded));
            _replayBytes += encoded.Length;
            while (_replay.Count > 1 && (_replay.Count > _settings.ReplayEvents || _replayBytes > _settings.ReplayBytes))
            {
                var evicted = _replay.First!.Value;
                _replay.RemoveFirst();
                _replayBytes -= evicted.Encoded.Length;
                if (evicted.Id is { } id)
                {
                    _base = id;
                }
            }

            Fan(encoded, batch.Revision);
            RefreshRegistries();
        }
    }

    private void PublishRegistries()
    {
        lock (_gate)
        {
            RefreshRegistries();
        }
    }

    /// <summary>Under the lock: whoever notices a registry status change first (loop, request, new client) sends it to every client.</summary>
    private void RefreshRegistries()
    {
        if (UpdateRegistries(_catalog.Current))
        {
            Fan(_registriesEvent, null);
        }
    }

    private void Fan(byte[] encoded, long? revision)
    {
        for (var i = _clients.Count - 1; i >= 0; i--)
        {
            var client = _clients[i];
            if (revision is { } id && id <= client.SkipUpTo)
            {
                continue;
            }

            if (!client.TryWrite(encoded))
            {
                _clients.RemoveAt(i);
                client.Complete(new SlowClientException());
                _metrics?.Dropped();
                Log.SlowClientDropped(_logger, _settings.SseClientBuffer);
            }
        }
    }

    private static Task WaitAsync(IChangeToken token, CancellationToken cancellationToken)
    {
        var changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        if (token.HasChanged)
        {
            changed.TrySetResult();
            return changed.Task;
        }

        var registration = token.RegisterChangeCallback(static s => ((TaskCompletionSource)s!).TrySetResult(), changed);
        var cancel = cancellationToken.Register(static s => ((TaskCompletionSource)s!).TrySetCanceled(), changed);
        _ = changed.Task.ContinueWith(
            _ =>
            {
                registration.Dispose();
                cancel.Dispose();
            },
            CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);
        return changed.Task;
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 9401, Level = LogLevel.Warning, Message = "A /v1/watch client fell more than {Buffer} events behind and was dropped; it can reconnect and resume.")]
        public static partial void SlowClientDropped(ILogger logger, int buffer);
    }
}
