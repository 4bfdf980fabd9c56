using Microsoft.Extensions.Logging;

namespace Registry.Adapters.Consul.Leadership;

internal sealed partial class ConsulSyncElection
{
    internal static partial class Log
    {
        [LoggerMessage(EventId = 4200, Level = LogLevel.Information, Message = "Consul election '{Election}' on '{Registry}': {Identity} leads (fence token {Token}, LockIndex {LockIndex}, session {Session})")]
        public static partial void StartedLeading(ILogger logger, string registry, string election, string identity, ulong token, ulong lockIndex, string session);

        [LoggerMessage(EventId = 4201, Level = LogLevel.Warning, Message = "Consul election '{Election}' on '{Registry}': {Identity} stopped leading")]
        public static partial void StoppedLeading(ILogger logger, string registry, string election, string identity);

        [LoggerMessage(EventId = 4202, Level = LogLevel.Warning, Message = "Consul election on '{Registry}': session {Session} of {Identity} was not renewed for {Deadline}; its leaderships end and a new session is created")]
        public static partial void SessionExpired(ILogger logger, string registry, string identity, string session, TimeSpan deadline);

        [LoggerMessage(EventId = 4203, Level = LogLevel.Warning, Message = "Consul election on '{Registry}': session {Session} of {Identity} is gone (invalidated by the servers); a new session is created")]
        public static partial void SessionGone(ILogger logger, string registry, string identity, string session);

        [LoggerMessage(EventId = 4204, Level = LogLevel.Warning, Message = "Consul election on '{Registry}' ({Identity}): {What} failed, retrying in {RetryIn}: {Error}")]
        public static partial void Failed(ILogger logger, string registry, string identity, string what, TimeSpan retryIn, string error);

        [LoggerMessage(EventId = 4205, Level = LogLevel.Debug, Message = "Consul election on '{Registry}' ({Identity}): {What} failed again: {Error}")]
        public static partial void FailedAgain(ILogger logger, string registry, string identity, string what, string error);

        [LoggerMessage(EventId = 4206, Level = LogLevel.Debug, Message = "Consul election on '{Registry}': session {Session} created for {Identity} (TTL {Ttl}, lock-delay {LockDelay}, no node checks)")]
        public static partial void SessionCreated(ILogger logger, string registry, string identity, string session, TimeSpan ttl, TimeSpan lockDelay);

        [LoggerMessage(EventId = 4207, Level = LogLevel.Debug, Message = "Consul election on '{Registry}': session {Session} of {Identity} destroyed")]
        public static partial void SessionDestroyed(ILogger logger, string registry, string identity, string session);

        [LoggerMessage(EventId = 4208, Level = LogLevel.Debug, Message = "Consul election '{Election}' on '{Registry}': held by {Holder}; {Identity} stands by")]
        public static partial void StandingBy(ILogger logger, string registry, string election, string holder, string identity);

        [LoggerMessage(EventId = 4209, Level = LogLevel.Information, Message = "Consul election '{Election}' on '{Registry}': released by {Identity}")]
        public static partial void Released(ILogger logger, string registry, string election, string identity);
    }
}
