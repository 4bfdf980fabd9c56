using Microsoft.Extensions.Logging;

namespace Registry.Adapters.Sync;

public sealed partial class MeshSyncEngine
{
    private static partial class Log
    {
        [LoggerMessage(1300, LogLevel.Information, "Sync into '{Target}' at catalog revision {Revision}: {Created} created, {Updated} updated, {Deleted} deleted, {Held} deletes held, {Rejected} rejected, {Requests} requests ({Mode})")]
        public static partial void Summary(ILogger logger, string target, long revision, int created, int updated, int deleted, int held, int rejected, int requests, string mode);

        [LoggerMessage(1301, LogLevel.Warning, "Sync into '{Target}' holds {Held} deletes: {Reason}")]
        public static partial void DeletesHeld(ILogger logger, string target, int held, string reason);

        [LoggerMessage(1302, LogLevel.Warning, "Sync into '{Target}' skipped {Key}: {Reason}")]
        public static partial void Rejected(ILogger logger, string target, string key, string reason);

        [LoggerMessage(1303, LogLevel.Warning, "Sync into '{Target}' failed; its owned records are listed again before the next write: {Error}")]
        public static partial void TargetFailed(ILogger logger, string target, string error);
    }
}
