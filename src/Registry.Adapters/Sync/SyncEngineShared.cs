namespace Registry.Adapters.Sync;

/// <summary>What the shard engines of one replica share: one write limit over all shards, one pass at a time into the targets, one set of instruments.</summary>
internal sealed class SyncEngineShared : IDisposable
{
    public SyncEngineShared(SyncOptions options, TimeProvider time)
    {
        Bucket = new TokenBucket(options.MaxWritesPerSecond, time);
    }

    /// <summary>The write limit (<see cref="SyncOptions.MaxWritesPerSecond"/>) of the replica, not of each shard.</summary>
    public TokenBucket Bucket { get; }

    /// <summary>One pass at a time: the shards' passes list and write the same targets.</summary>
    public SemaphoreSlim Pass { get; } = new(1, 1);

    public void Dispose() => Pass.Dispose();
}
