using Google.Protobuf;

namespace Registry.Adapters.Etcd;

/// <summary>
/// Every key under the prefix as of the watch's revision, with its create and mod revision: what the history we saw
/// says etcd holds. On reconnect it is compared with a keys-only read of that same revision; a rebuilt etcd (same cluster
/// id, revision already past ours) answers with other keys or other revisions, and the watch resyncs instead of resuming
/// on a different history. Not thread-safe: one per watch.
/// </summary>
internal sealed class EtcdKeyLedger
{
    private readonly Dictionary<ByteString, (long Create, long Mod)> _keys = [];

    public int Count => _keys.Count;

    public void Put(ByteString key, long create, long mod) => _keys[key] = (create, mod);

    public void Remove(ByteString key) => _keys.Remove(key);

    public bool Matches(ByteString key, long create, long mod) =>
        _keys.TryGetValue(key, out var known) && known.Create == create && known.Mod == mod;
}
