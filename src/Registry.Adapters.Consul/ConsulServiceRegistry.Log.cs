using Microsoft.Extensions.Logging;

namespace Registry.Adapters.Consul;

internal sealed partial class ConsulServiceRegistry
{
    internal static partial class Log
    {
        [LoggerMessage(EventId = 4000, Level = LogLevel.Debug, Message = "Consul registry '{Registry}': watch started against {Address}")]
        public static partial void WatchStarted(ILogger logger, string registry, string address);

        [LoggerMessage(EventId = 4001, Level = LogLevel.Warning, Message = "Consul registry '{Registry}': {Loop} failed, retrying in {RetryIn}: {Error}")]
        public static partial void LoopFailed(ILogger logger, string registry, string loop, TimeSpan retryIn, string error);

        [LoggerMessage(EventId = 4002, Level = LogLevel.Information, Message = "Consul registry '{Registry}': connected again")]
        public static partial void Recovered(ILogger logger, string registry);

        [LoggerMessage(EventId = 4003, Level = LogLevel.Warning, Message = "Consul registry '{Registry}': skipped {Key}: {Reason}")]
        public static partial void RecordSkipped(ILogger logger, string registry, string key, string reason);

        [LoggerMessage(EventId = 4004, Level = LogLevel.Information, Message = "Consul registry '{Registry}': the catalog index went backwards ({Sent} to {Returned}); reading everything again")]
        public static partial void IndexWentBackwards(ILogger logger, string registry, ulong sent, ulong returned);

        [LoggerMessage(EventId = 4005, Level = LogLevel.Debug, Message = "Consul registry '{Registry}': watching service '{Service}'")]
        public static partial void ServiceWatchStarted(ILogger logger, string registry, string service);

        [LoggerMessage(EventId = 4006, Level = LogLevel.Debug, Message = "Consul registry '{Registry}': service '{Service}' left the catalog; its watch stopped")]
        public static partial void ServiceWatchStopped(ILogger logger, string registry, string service);

        [LoggerMessage(EventId = 4007, Level = LogLevel.Debug, Message = "Consul registry '{Registry}': {Loop} failed again: {Error}")]
        public static partial void LoopFailedAgain(ILogger logger, string registry, string loop, string error);
    }
}
