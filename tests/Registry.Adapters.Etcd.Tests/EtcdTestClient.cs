using System.Text;
using Etcdserverpb;
using Google.Protobuf;

namespace Registry.Adapters.Etcd.Tests;

/// <summary>Changes etcd data from outside the registry under test (its own connection, full rights).</summary>
public sealed class EtcdTestClient : IDisposable
{
    private readonly EtcdConnection _connection;

    private EtcdTestClient(EtcdConnection connection) => _connection = connection;

    public static async Task<EtcdTestClient> ConnectAsync(EtcdRegistryOptions options) =>
        new(await EtcdConnection.ConnectAsync(options, 0, CancellationToken.None));

    public static Task<EtcdTestClient> ConnectAsync(EtcdServer server) => ConnectAsync(server.ClientOptions());

    internal EtcdConnection Connection => _connection;

    public async Task<long> PutAsync(string key, string value, long lease = 0) =>
        (await _connection.Kv.PutAsync(new PutRequest { Key = Bytes(key), Value = Bytes(value), Lease = lease }, _connection.Headers)).Header.Revision;

    public async Task<long> PutAsync(string key, byte[] value) =>
        (await _connection.Kv.PutAsync(new PutRequest { Key = Bytes(key), Value = ByteString.CopyFrom(value) }, _connection.Headers)).Header.Revision;

    public async Task<long> DeleteAsync(string key) =>
        (await _connection.Kv.DeleteRangeAsync(new DeleteRangeRequest { Key = Bytes(key) }, _connection.Headers)).Header.Revision;

    public async Task<string?> GetAsync(string key)
    {
        var response = await _connection.Kv.RangeAsync(new RangeRequest { Key = Bytes(key) }, _connection.Headers);
        return response.Kvs.Count == 0 ? null : response.Kvs[0].Value.ToStringUtf8();
    }

    public async Task<RangeResponse> GetPrefixAsync(string prefix)
    {
        var bytes = Encoding.UTF8.GetBytes(prefix);
        return await _connection.Kv.RangeAsync(new RangeRequest { Key = ByteString.CopyFrom(bytes), RangeEnd = ByteString.CopyFrom(EtcdRecordCodec.PrefixEnd(bytes)) }, _connection.Headers);
    }

    public async Task<ulong> GetClusterIdAsync() =>
        (await _connection.Kv.RangeAsync(new RangeRequest { Key = Bytes("/"), CountOnly = true }, _connection.Headers)).Header.ClusterId;

    public async Task<long> RevisionAsync() =>
        (await _connection.Kv.RangeAsync(new RangeRequest { Key = Bytes("/"), CountOnly = true }, _connection.Headers)).Header.Revision;

    /// <summary>Compacts the history up to the current revision (after two filler writes, so any watcher behind is compacted out).</summary>
    public async Task<long> CompactAsync()
    {
        await PutAsync("/filler", "1");
        var revision = await PutAsync("/filler", "2");
        await _connection.Kv.CompactAsync(new CompactionRequest { Revision = revision, Physical = true }, _connection.Headers);
        return revision;
    }

    public async Task<long> GrantAsync(long ttlSeconds) =>
        (await _connection.Lease.LeaseGrantAsync(new LeaseGrantRequest { TTL = ttlSeconds }, _connection.Headers)).ID;

    public async Task RevokeAsync(long lease) =>
        await _connection.Lease.LeaseRevokeAsync(new LeaseRevokeRequest { ID = lease }, _connection.Headers);

    /// <summary>
    /// Replays etcd's history under <paramref name="prefix"/> from <paramref name="fromRevision"/> (a watch with a start
    /// revision) up to a marker key this call puts at the end, and returns every event before the marker in order: a count
    /// of deletes and puts that cannot miss one, however fast they happened. Call it when nothing writes under the prefix
    /// any more; the history must not have been compacted past <paramref name="fromRevision"/>.
    /// </summary>
    public async Task<IReadOnlyList<(string Type, string Key)>> HistoryAsync(string prefix, long fromRevision, CancellationToken cancellationToken = default)
    {
        var marker = prefix + "~history-end-" + Guid.NewGuid().ToString("n");
        await PutAsync(marker, "end");
        var events = new List<(string, string)>();
        var bytes = Encoding.UTF8.GetBytes(prefix);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        stop.CancelAfter(TimeSpan.FromSeconds(30));
        using var call = _connection.Watch.Watch(_connection.Headers, cancellationToken: stop.Token);
        await call.RequestStream.WriteAsync(new WatchRequest
        {
            CreateRequest = new WatchCreateRequest { Key = ByteString.CopyFrom(bytes), RangeEnd = ByteString.CopyFrom(EtcdRecordCodec.PrefixEnd(bytes)), StartRevision = fromRevision },
        }, stop.Token);
        while (await call.ResponseStream.MoveNext(stop.Token))
        {
            var response = call.ResponseStream.Current;
            if (response.Canceled)
            {
                throw new InvalidOperationException($"the watch was cancelled (compacted at {response.CompactRevision}): {response.CancelReason}");
            }

            foreach (var e in response.Events)
            {
                var key = e.Kv.Key.ToStringUtf8();
                if (key == marker)
                {
                    await DeleteAsync(marker);
                    return events;
                }

                events.Add((e.Type == Mvccpb.Event.Types.EventType.Delete ? "delete" : "put", key));
            }
        }

        throw new InvalidOperationException("the watch ended before the marker");
    }

    public void Dispose() => _connection.Dispose();

    private static ByteString Bytes(string text) => ByteString.CopyFromUtf8(text);
}
