using Microsoft.Extensions.Logging;

namespace Registry.Adapters.Etcd;

/// <summary>Logs of the etcd leader election (event ids 3300–3329). Server text is scrubbed before it gets here.</summary>
internal sealed partial class EtcdSyncElection
{
    private static partial class Log
    {
        [LoggerMessage(3300, LogLevel.Information, "etcd leader election {Registry}/{Name}: replica '{Identity}' campaigns under lease {Lease} (TTL {Ttl} s)")]
        public static partial void LeaseGranted(ILogger logger, string registry, string name, string identity, long lease, long ttl);

        [LoggerMessage(3301, LogLevel.Warning, "etcd leader election {Registry}/{Name}: lease {Lease} is lost ({Reason}); every candidate stepped down and campaigns again under a new lease")]
        public static partial void LeaseLost(ILogger logger, string registry, string name, long lease, string reason);

        [LoggerMessage(3302, LogLevel.Warning, "etcd leader election {Registry}/{Name}: granting the lease failed, retrying in {DelayMs} ms: {Error}")]
        public static partial void LeaseFailed(ILogger logger, string registry, string name, double delayMs, string error);

        [LoggerMessage(3303, LogLevel.Warning, "etcd leader election {Registry}/{Name}: keeping lease {Lease} alive failed, retrying: {Error}")]
        public static partial void KeepAliveFailed(ILogger logger, string registry, string name, long lease, string error);

        [LoggerMessage(3304, LogLevel.Debug, "etcd leader election {Registry}/{Name}: lease {Lease} revoked")]
        public static partial void LeaseRevoked(ILogger logger, string registry, string name, long lease);

        [LoggerMessage(3305, LogLevel.Warning, "etcd leader election {Registry}/{Name}: revoking lease {Lease} failed; it expires after its TTL: {Error}")]
        public static partial void RevokeFailed(ILogger logger, string registry, string name, long lease, string error);
    }
}
