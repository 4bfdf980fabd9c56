using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Etcdserverpb;
using Google.Protobuf;
using Registry.Adapters.Backends;

namespace Registry.Adapters.Etcd;

internal sealed partial class EtcdServiceRegistry
{
    public async IAsyncEnumerable<RegistryEvent> WatchAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed.IsCancellationRequested, this);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _disposed.Token);
        var channel = Channel.CreateBounded<RegistryEvent>(new BoundedChannelOptions(4096) { SingleReader = true, SingleWriter = true, AllowSynchronousContinuations = true });
        var producer = Task.Run(() => RunAsync(channel.Writer, linked.Token), CancellationToken.None);
        try
        {
            while (await channel.Reader.WaitToReadAsync(CancellationToken.None).ConfigureAwait(false))
            {
                while (channel.Reader.TryRead(out var item))
                {
                    yield return item;
                }
            }
        }
        finally
        {
            await linked.CancelAsync().ConfigureAwait(false);
            await producer.ConfigureAwait(false);
        }

        cancellationToken.ThrowIfCancellationRequested();
    }

    private async Task RunAsync(ChannelWriter<RegistryEvent> writer, CancellationToken cancellationToken)
    {
        var cursor = new WatchCursor(_options.Reconnect.CreateBackoff(), new WatchPublisher(Name, _logger));
        var endpoint = 0;
        try
        {
            cursor.Publisher.PublishState(RegistryConnectionState.Connecting, null, null, cursor.Pending);
            await cursor.FlushAsync(writer, cancellationToken).ConfigureAwait(false);
            while (!cancellationToken.IsCancellationRequested)
            {
                EtcdConnection? connection = null;
                try
                {
                    connection = await EtcdConnection.ConnectAsync(_options, endpoint, cancellationToken).ConfigureAwait(false);
                    await SyncAsync(connection, cursor, writer, cancellationToken).ConfigureAwait(false);
                    await WatchStreamAsync(connection, cursor, writer, cancellationToken).ConfigureAwait(false);
                }
                catch (Exception) when (cancellationToken.IsCancellationRequested)
                {
                    break;
                }
                catch (Exception ex)
                {
                    var uri = connection?.Endpoint ?? EtcdRegistryOptions.ParseEndpoint(_options.Endpoints[endpoint % _options.Endpoints.Count]);
                    var error = EtcdErrors.Translate(ex, uri, "watching the prefix");
                    var delay = cursor.Backoff.NextDelay();
                    if (error.IsPermanent && delay < _options.Reconnect.MaxDelay / 4)
                    {
                        delay = _options.Reconnect.MaxDelay / 4;
                    }

                    endpoint++;
                    _metrics.Error();
                    Log.WatchFailed(_logger, Name, delay.TotalMilliseconds, error.Message);
                    var state = error.IsPermanent ? RegistryConnectionState.Failed : RegistryConnectionState.Retrying;
                    cursor.Publisher.PublishState(state, error.Message, delay, cursor.Pending);
                    await cursor.FlushAsync(writer, cancellationToken).ConfigureAwait(false);
                    await Task.Delay(delay, _timeProvider, cancellationToken).ConfigureAwait(false);
                }
                finally
                {
                    connection?.Dispose();
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        catch (ChannelClosedException)
        {
        }
        finally
        {
            writer.TryComplete();
        }
    }

    /// <summary>Loads the prefix when there is no state yet, or when resuming is impossible (compacted, rebuilt etcd).</summary>
    private async Task SyncAsync(EtcdConnection connection, WatchCursor cursor, ChannelWriter<RegistryEvent> writer, CancellationToken cancellationToken)
    {
        if (cursor.State is not null && !cursor.Resync)
        {
            var probe = new RangeRequest { Key = ByteString.CopyFrom(_codec.PrefixBytes), RangeEnd = ByteString.CopyFrom(_codec.RangeEnd), CountOnly = true };
            var header = (await connection.CallAsync(
                h => connection.Kv.RangeAsync(probe, h, connection.Deadline, cancellationToken).ResponseAsync,
                "probing the revision",
                cancellationToken).ConfigureAwait(false)).Header;
            if (header.ClusterId != cursor.ClusterId || header.Revision < cursor.Revision || header.RaftTerm < cursor.RaftTerm)
            {
                Log.Rebuilt(_logger, Name, cursor.Revision, header.Revision);
                cursor.Resync = true;
            }
            else if (!await HistoryMatchesAsync(connection, cursor, cancellationToken).ConfigureAwait(false))
            {
                // Same cluster id, a revision already past ours: a rebuilt etcd whose history at our revision differs.
                Log.HistoryDiverged(_logger, Name, cursor.Revision, header.Revision);
                cursor.Resync = true;
            }
        }

        if (cursor.State is not null && !cursor.Resync)
        {
            return;
        }

        var isResync = cursor.Publisher.HasSnapshot;
        var loaded = await TracedLoadAsync(connection, isResync ? Registry.Adapters.Backends.RegistryTracing.Resync : Registry.Adapters.Backends.RegistryTracing.Read, cancellationToken).ConfigureAwait(false);
        cursor.State = loaded.State;
        cursor.Revision = loaded.Revision;
        cursor.ClusterId = loaded.ClusterId;
        cursor.RaftTerm = loaded.RaftTerm;
        cursor.Ledger = loaded.Ledger;
        cursor.Resync = false;
        if (isResync)
        {
            _metrics.Resync();
        }

        // The snapshot carries its skipped records (the publisher logs each once): they are not sent again as events.
        cursor.Publisher.PublishSnapshot(loaded.Snapshot, cursor.Pending);
        await cursor.FlushAsync(writer, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// The verified re-read: a keys-only read of the prefix at the revision the watch stands at, compared key by key
    /// (create and mod revision) with what the watch saw. <see langword="false"/> when they differ, or when that revision
    /// is compacted away (resuming could not be checked; a resync is the safe choice).
    /// </summary>
    private async Task<bool> HistoryMatchesAsync(EtcdConnection connection, WatchCursor cursor, CancellationToken cancellationToken)
    {
        var rangeEnd = ByteString.CopyFrom(_codec.RangeEnd);
        var key = ByteString.CopyFrom(_codec.PrefixBytes);
        var seen = 0;
        while (true)
        {
            var request = new RangeRequest { Key = key, RangeEnd = rangeEnd, Limit = _options.PageSize, Revision = cursor.Revision, KeysOnly = true };
            RangeResponse response;
            try
            {
                response = await connection.CallAsync(
                    h => connection.Kv.RangeAsync(request, h, connection.Deadline, cancellationToken).ResponseAsync,
                    "verifying the history",
                    cancellationToken).ConfigureAwait(false);
            }
            catch (RegistryException ex) when (ex.InnerException is Grpc.Core.RpcException rpc && EtcdErrors.IsCompacted(rpc))
            {
                return false;
            }

            if (response.Header.RaftTerm > cursor.RaftTerm)
            {
                cursor.RaftTerm = response.Header.RaftTerm;
            }

            foreach (var kv in response.Kvs)
            {
                if (!cursor.Ledger.Matches(kv.Key, kv.CreateRevision, kv.ModRevision))
                {
                    return false;
                }

                seen++;
            }

            if (!response.More || response.Kvs.Count == 0)
            {
                return seen == cursor.Ledger.Count;
            }

            var last = response.Kvs[^1].Key.Span;
            var next = new byte[last.Length + 1];
            last.CopyTo(next);
            key = UnsafeByteOperations.UnsafeWrap(next);
        }
    }

    private async Task WatchStreamAsync(EtcdConnection connection, WatchCursor cursor, ChannelWriter<RegistryEvent> writer, CancellationToken cancellationToken)
    {
        using var call = connection.Watch.Watch(connection.Headers, cancellationToken: cancellationToken);
        await call.RequestStream.WriteAsync(
            new WatchRequest
            {
                CreateRequest = new WatchCreateRequest
                {
                    Key = ByteString.CopyFrom(_codec.PrefixBytes),
                    RangeEnd = ByteString.CopyFrom(_codec.RangeEnd),
                    StartRevision = cursor.Revision + 1,
                    ProgressNotify = true,
                },
            },
            cancellationToken).ConfigureAwait(false);
        var reader = call.ResponseStream;
        while (await reader.MoveNext(cancellationToken).ConfigureAwait(false))
        {
            var response = reader.Current;
            if (response.Header is { } seen && seen.RaftTerm > cursor.RaftTerm)
            {
                cursor.RaftTerm = seen.RaftTerm;
            }

            if (response.Canceled)
            {
                if (response.CompactRevision > 0)
                {
                    Log.Compacted(_logger, Name, cursor.Revision + 1, response.CompactRevision);
                    cursor.Resync = true;
                    return;
                }

                var reason = Registry.Adapters.Backends.SecretScrubber.ScrubPrintable(response.CancelReason, 200);
                throw new RegistryException($"etcd cancelled the watch: {reason}")
                {
                    IsPermanent = reason.Contains("permission denied", StringComparison.OrdinalIgnoreCase),
                };
            }

            if (response.Created)
            {
                cursor.Backoff.Reset();
                cursor.Publisher.PublishState(RegistryConnectionState.Connected, null, null, cursor.Pending);
                await cursor.FlushAsync(writer, cancellationToken).ConfigureAwait(false);
            }

            if (response.Events.Count == 0)
            {
                // A progress notification certifies every event up to its header revision was delivered.
                if (!response.Created && response.Header is { } header && header.Revision > cursor.Revision)
                {
                    cursor.Revision = header.Revision;
                }

                continue;
            }

            await ApplyAsync(response.Events, cursor, writer, cancellationToken).ConfigureAwait(false);
        }

        throw new RegistryException("etcd closed the watch stream");
    }
}
