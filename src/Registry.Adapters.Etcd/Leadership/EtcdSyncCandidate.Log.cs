using Microsoft.Extensions.Logging;

namespace Registry.Adapters.Etcd;

/// <summary>Logs of one etcd election candidate (event ids 3310–3329).</summary>
internal sealed partial class EtcdSyncCandidate
{
    private static partial class Log
    {
        [LoggerMessage(3310, LogLevel.Debug, "etcd leader election {Registry}/{Election}: candidate key {Key} created at revision {Revision}")]
        public static partial void Campaigning(ILogger logger, string registry, string election, string key, long revision);

        [LoggerMessage(3311, LogLevel.Debug, "etcd leader election {Registry}/{Election}: standby, watching {Key} for deletion")]
        public static partial void Waiting(ILogger logger, string registry, string election, string key);

        [LoggerMessage(3312, LogLevel.Information, "etcd leader election {Registry}/{Election}: replica '{Identity}' leads (fence revision {Revision})")]
        public static partial void Elected(ILogger logger, string registry, string election, string identity, long revision);

        [LoggerMessage(3313, LogLevel.Information, "etcd leader election {Registry}/{Election}: stepped down: {Reason}")]
        public static partial void SteppedDown(ILogger logger, string registry, string election, string reason);

        [LoggerMessage(3314, LogLevel.Warning, "etcd leader election {Registry}/{Election}: campaign failed, retrying in {DelayMs} ms: {Error}")]
        public static partial void CampaignFailed(ILogger logger, string registry, string election, double delayMs, string error);

        [LoggerMessage(3315, LogLevel.Warning, "etcd leader election {Registry}/{Election}: watch failed, reading again: {Error}")]
        public static partial void WatchFailed(ILogger logger, string registry, string election, string error);

        [LoggerMessage(3316, LogLevel.Information, "etcd leader election {Registry}/{Election}: released {Key}")]
        public static partial void Released(ILogger logger, string registry, string election, string key);

        [LoggerMessage(3317, LogLevel.Warning, "etcd leader election {Registry}/{Election}: releasing the key failed; it goes with the lease: {Error}")]
        public static partial void ReleaseFailed(ILogger logger, string registry, string election, string error);

        [LoggerMessage(3318, LogLevel.Warning, "etcd leader election {Registry}/{Election}: a LeadershipChanged handler failed: {Error}")]
        public static partial void HandlerFailed(ILogger logger, string registry, string election, string error);
    }
}
