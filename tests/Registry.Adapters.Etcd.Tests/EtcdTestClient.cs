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

    public void Dispose() => _connection.Dispose();

    private static ByteString Bytes(string text) => ByteString.CopyFromUtf8(text);
}
