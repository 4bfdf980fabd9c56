using System.Text;

namespace Registry.Adapters.Sync;

/// <summary>
/// The shard of a service (<see cref="SyncOptions.Shards"/>): a stable hash of the target service name, so every replica,
/// on every platform and after every restart, puts a service in the same shard.
/// </summary>
public static class SyncShards
{
    private const uint OffsetBasis = 2166136261;
    private const uint Prime = 16777619;

    /// <summary>
    /// The shard of a target service name: 32-bit FNV-1a of its UTF-8 bytes, finished with MurmurHash3's 32-bit mixer (FNV-1a
    /// alone leaves the low bits depending on the low bits of each byte, so <c>orders-a</c> and <c>orders-e</c> would share a
    /// shard of 4), modulo <paramref name="shards"/>.
    /// </summary>
    /// <param name="service">The target service name (after <see cref="SyncOptions.NameTemplate"/>).</param>
    /// <param name="shards">The number of shards, at least 1.</param>
    /// <returns>The shard, from 0 to <paramref name="shards"/> − 1.</returns>
    public static int Of(string service, int shards)
    {
        ArgumentNullException.ThrowIfNull(service);
        ArgumentOutOfRangeException.ThrowIfLessThan(shards, 1);
        if (shards == 1)
        {
            return 0;
        }

        // string.GetHashCode is randomized per process; the shard must be the same in every replica.
        var hash = OffsetBasis;
        Span<byte> buffer = stackalloc byte[256];
        var bytes = Encoding.UTF8.GetMaxByteCount(service.Length) <= buffer.Length ? buffer[..Encoding.UTF8.GetBytes(service, buffer)] : Encoding.UTF8.GetBytes(service);
        foreach (var b in bytes)
        {
            hash = (hash ^ b) * Prime;
        }

        hash ^= hash >> 16;
        hash *= 0x85ebca6b;
        hash ^= hash >> 13;
        hash *= 0xc2b2ae35;
        hash ^= hash >> 16;
        return (int)(hash % (uint)shards);
    }
}
