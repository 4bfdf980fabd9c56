using Microsoft.Extensions.Logging;

namespace Registry.Adapters.Hosting;

internal sealed partial class MeshHostedService
{
    private static partial class Log
    {
        [LoggerMessage(1100, LogLevel.Debug, "Starting registry '{Registry}' (kind {Kind}, priority {Priority})")]
        public static partial void RegistryStarting(ILogger logger, string registry, string kind, int priority);

        [LoggerMessage(1101, LogLevel.Error, "Registry '{Registry}' {Error}")]
        public static partial void RegistryCreateFailed(ILogger logger, string registry, string error);

        [LoggerMessage(1102, LogLevel.Error, "The watch of registry '{Registry}' failed: {Error}")]
        public static partial void WatchFailed(ILogger logger, string registry, string error);

        [LoggerMessage(1103, LogLevel.Warning, "The watch of registry '{Registry}' ended without being stopped")]
        public static partial void WatchEnded(ILogger logger, string registry);

        [LoggerMessage(1104, LogLevel.Debug, "Restarting the watch of registry '{Registry}' in {Delay}")]
        public static partial void WatchRestarting(ILogger logger, string registry, TimeSpan delay);

        [LoggerMessage(1105, LogLevel.Warning, "Disposing registry '{Registry}' failed: {Error}")]
        public static partial void DisposeFailed(ILogger logger, string registry, string error);

        [LoggerMessage(1106, LogLevel.Warning, "The mesh stopped before every registry watch ended")]
        public static partial void StopTimedOut(ILogger logger);

        [LoggerMessage(1107, LogLevel.Error, "Reporting the failure of registry '{Registry}' failed: {Error}")]
        public static partial void ReportFailed(ILogger logger, string registry, string error);
    }
}
