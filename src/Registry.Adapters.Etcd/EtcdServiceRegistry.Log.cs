using Microsoft.Extensions.Logging;

namespace Registry.Adapters.Etcd;

internal sealed partial class EtcdServiceRegistry
{
    private static partial class Log
    {
        [LoggerMessage(3000, LogLevel.Information, "etcd registry {Registry} read {Instances} instances at revision {Revision} ({Skipped} skipped)")]
        public static partial void Loaded(ILogger logger, string registry, int instances, long revision, int skipped);

        [LoggerMessage(3002, LogLevel.Warning, "etcd registry {Registry} record {Key}: {Mismatch}")]
        public static partial void Mismatch(ILogger logger, string registry, string key, string mismatch);

        [LoggerMessage(3003, LogLevel.Warning, "etcd registry {Registry} watch failed; retrying in {DelayMs} ms: {Error}")]
        public static partial void WatchFailed(ILogger logger, string registry, double delayMs, string error);

        [LoggerMessage(3004, LogLevel.Warning, "etcd registry {Registry}: revision {Start} is compacted (oldest kept {CompactRevision}); re-reading the prefix")]
        public static partial void Compacted(ILogger logger, string registry, long start, long compactRevision);

        [LoggerMessage(3005, LogLevel.Warning, "etcd registry {Registry}: etcd was rebuilt or restored (last revision {Last}, now {Now}, or a new cluster); re-reading the prefix")]
        public static partial void Rebuilt(ILogger logger, string registry, long last, long now);

        [LoggerMessage(3030, LogLevel.Warning, "etcd registry {Registry}: the keys etcd holds at revision {Last} differ from what the watch saw (etcd was rebuilt with the same cluster id, now at revision {Now}); re-reading the prefix")]
        public static partial void HistoryDiverged(ILogger logger, string registry, long last, long now);

        [LoggerMessage(3006, LogLevel.Information, "etcd registry {Registry}: the pinned revision was compacted during the read; reading again")]
        public static partial void ReadCompacted(ILogger logger, string registry);
    }
}
