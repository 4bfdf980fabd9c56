using Microsoft.Extensions.Logging;

namespace Registry.Adapters.Sync;

public sealed partial class SyncShardCoordinator
{
    private static partial class Log
    {
        [LoggerMessage(1310, LogLevel.Information, "Sync replica '{Identity}' campaigns for {Shards} shard(s); standby (reading, not writing) until elected")]
        public static partial void Standby(ILogger logger, string identity, int shards);

        [LoggerMessage(1311, LogLevel.Information, "Sync shard {Shard} of {Shards} (election '{Election}'): {State}")]
        public static partial void Leadership(ILogger logger, int shard, int shards, string election, string state);

        [LoggerMessage(1312, LogLevel.Information, "Sync election lists {Replicas} replica(s) for {Shards} shard(s): this replica ranks {Rank}, its fair share is {Fair}")]
        public static partial void Replicas(ILogger logger, int replicas, int shards, int rank, int fair);

        [LoggerMessage(1313, LogLevel.Information, "Sync steps down from shard {Shard} of {Shards}: it leads {Leading}, more than its fair share {Fair} among {Replicas} replica(s)")]
        public static partial void SteppingDown(ILogger logger, int shard, int shards, int leading, int fair, int replicas);

        [LoggerMessage(1314, LogLevel.Warning, "Sync could not list the election's replicas; the fair share stays that of {Replicas}: {Error}")]
        public static partial void ListFailed(ILogger logger, int replicas, string error);

        [LoggerMessage(1315, LogLevel.Warning, "Sync shard {Shard} of {Shards} could not release its election; it expires after the lease duration: {Error}")]
        public static partial void StepDownFailed(ILogger logger, int shard, int shards, string error);

        [LoggerMessage(1316, LogLevel.Error, "Sync replica '{Identity}' stops: {Error}. It stepped down from every shard, so a standby takes over")]
        public static partial void Failed(ILogger logger, string identity, string error);
    }
}
