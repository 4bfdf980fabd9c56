using Microsoft.Extensions.Logging;

namespace Registry.Adapters;

internal sealed partial class FileRegistry
{
    private static partial class Log
    {
        [LoggerMessage(1120, LogLevel.Debug, "File registry '{Registry}' read {Path}: {Services} services, {Instances} instances")]
        public static partial void FileRead(ILogger logger, string registry, string path, int services, int instances);

        [LoggerMessage(1121, LogLevel.Warning, "File registry '{Registry}' cannot use its file (any earlier good content is kept): {Error}")]
        public static partial void FileFailed(ILogger logger, string registry, string error);

        [LoggerMessage(1123, LogLevel.Information, "File registry '{Registry}' watches {Path} by polling only: {Reason}")]
        public static partial void WatcherUnavailable(ILogger logger, string registry, string path, string reason);

        [LoggerMessage(1124, LogLevel.Information, "File registry '{Registry}' recovered: {Path} is readable again")]
        public static partial void Recovered(ILogger logger, string registry, string path);

        [LoggerMessage(1125, LogLevel.Debug, "File registry '{Registry}' re-reads {Path} in full (the file was replaced or had gone)")]
        public static partial void Resync(ILogger logger, string registry, string path);
    }
}
