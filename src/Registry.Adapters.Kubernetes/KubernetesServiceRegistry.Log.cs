using Microsoft.Extensions.Logging;

namespace Registry.Adapters.Kubernetes;

internal sealed partial class KubernetesServiceRegistry
{
    private static partial class Log
    {
        [LoggerMessage(EventId = 6000, Level = LogLevel.Debug, Message = "Kubernetes registry {Registry}: listed {Stream}: {Count} items at resourceVersion {ResourceVersion}")]
        public static partial void Listed(ILogger logger, string registry, string stream, int count, string? resourceVersion);

        [LoggerMessage(EventId = 6001, Level = LogLevel.Debug, Message = "Kubernetes registry {Registry}: watch of {Stream} closed after {Events} events; resuming from resourceVersion {ResourceVersion}")]
        public static partial void WatchClosed(ILogger logger, string registry, string stream, int events, string? resourceVersion);

        [LoggerMessage(EventId = 6002, Level = LogLevel.Information, Message = "Kubernetes registry {Registry}: resourceVersion {ResourceVersion} of {Stream} expired (410 Gone); relisting")]
        public static partial void Expired(ILogger logger, string registry, string stream, string? resourceVersion);

        [LoggerMessage(EventId = 6003, Level = LogLevel.Information, Message = "Kubernetes registry {Registry}: the continue token of {Stream} expired (410); restarting the list (attempt {Attempt})")]
        public static partial void ContinueExpired(ILogger logger, string registry, string stream, int attempt);

        [LoggerMessage(EventId = 6004, Level = LogLevel.Warning, Message = "Kubernetes registry {Registry}: {Stream} failed: {Error}; retrying in {RetryIn}")]
        public static partial void StreamFaulted(ILogger logger, string registry, string stream, string error, TimeSpan retryIn);

        [LoggerMessage(EventId = 6005, Level = LogLevel.Information, Message = "Kubernetes registry {Registry}: {Stream} works again")]
        public static partial void Recovered(ILogger logger, string registry, string stream);

        [LoggerMessage(EventId = 6007, Level = LogLevel.Error, Message = "Kubernetes registry {Registry}: cannot create the API client: {Error}")]
        public static partial void ClientFailed(ILogger logger, string registry, string error);
    }
}
