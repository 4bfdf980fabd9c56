using Microsoft.Extensions.Logging;

namespace Registry.Adapters.Eureka;

internal sealed partial class EurekaServiceRegistry
{
    private static partial class Log
    {
        [LoggerMessage(EventId = 5000, Level = LogLevel.Debug, Message = "Eureka registry {Registry}: full fetch, {Instances} instances, hash code '{HashCode}'")]
        public static partial void FullFetch(ILogger logger, string registry, int instances, string hashCode);

        [LoggerMessage(EventId = 5001, Level = LogLevel.Debug, Message = "Eureka registry {Registry}: delta applied, {Changes} service changes, hash code '{HashCode}'")]
        public static partial void DeltaApplied(ILogger logger, string registry, int changes, string hashCode);

        [LoggerMessage(EventId = 5002, Level = LogLevel.Information, Message = "Eureka registry {Registry}: local hash code '{Local}' differs from the server's '{Server}'; fetching the full registry")]
        public static partial void HashMismatch(ILogger logger, string registry, string local, string? server);

        [LoggerMessage(EventId = 5003, Level = LogLevel.Information, Message = "Eureka registry {Registry}: the server refuses deltas (403); fetching the full registry instead")]
        public static partial void DeltaRefused(ILogger logger, string registry);

        [LoggerMessage(EventId = 5004, Level = LogLevel.Warning, Message = "Eureka registry {Registry}: fetch failed, retrying in {RetryIn}: {Error}")]
        public static partial void FetchFailed(ILogger logger, string registry, TimeSpan retryIn, string error);

        [LoggerMessage(EventId = 5005, Level = LogLevel.Warning, Message = "Eureka registry {Registry}: skipped {Key}: {Reason}")]
        public static partial void RecordSkipped(ILogger logger, string registry, string key, string reason);

        [LoggerMessage(EventId = 5006, Level = LogLevel.Information, Message = "Eureka registry {Registry}: connected to {Server}")]
        public static partial void Connected(ILogger logger, string registry, string server);
    }
}
