using Microsoft.Extensions.Logging;

namespace Registry.Adapters;

/// <summary>Logging of the catalog (event ids 1000–1099).</summary>
internal sealed partial class MeshCatalog
{
    private static partial class Log
    {
        [LoggerMessage(EventId = 1000, Level = LogLevel.Debug, Message = "Registry {Registry} ({Kind}) added to the mesh catalog with priority {Priority} and name template '{Template}'")]
        public static partial void RegistryAdded(ILogger logger, string registry, string kind, int priority, string template);

        [LoggerMessage(EventId = 1001, Level = LogLevel.Warning, Message = "Registry {Registry}: source services {SourceNames} all map to mesh service '{MeshName}'; only '{Kept}' is used. Fix the name template or the aliases.")]
        public static partial void NameConflict(ILogger logger, string registry, string meshName, string sourceNames, string kept);

        [LoggerMessage(EventId = 1002, Level = LogLevel.Warning, Message = "Registry {Registry}: skipped record {Key}: {Reason}")]
        public static partial void RecordSkipped(ILogger logger, string registry, string key, string reason);

        [LoggerMessage(EventId = 1003, Level = LogLevel.Warning, Message = "Registry {Registry} is stale; its last-known-good instances are kept: {Error}")]
        public static partial void RegistryStale(ILogger logger, string registry, string error);

        [LoggerMessage(EventId = 1004, Level = LogLevel.Warning, Message = "Registry {Registry} failed before its first sync: {Error}")]
        public static partial void RegistryFailed(ILogger logger, string registry, string error);

        [LoggerMessage(EventId = 1005, Level = LogLevel.Information, Message = "Registry {Registry} recovered")]
        public static partial void RegistryRecovered(ILogger logger, string registry);

        [LoggerMessage(EventId = 1006, Level = LogLevel.Warning, Message = "Registry {Registry}: a snapshot that drops {Dropped} of {Instances} instances (guard {Ratio:P0}) is held back until a second snapshot confirms it")]
        public static partial void SnapshotHeldBack(ILogger logger, string registry, int dropped, int instances, double ratio);

        [LoggerMessage(EventId = 1007, Level = LogLevel.Information, Message = "Registry {Registry}: a held-back snapshot is replaced by a new snapshot of {Services} services, which is applied")]
        public static partial void HeldSnapshotReplaced(ILogger logger, string registry, int services);

        [LoggerMessage(EventId = 1008, Level = LogLevel.Information, Message = "Registry {Registry}: the held-back snapshot, updated by later changes, is now within the drop guard and is applied")]
        public static partial void HeldSnapshotApplied(ILogger logger, string registry);

        [LoggerMessage(EventId = 1009, Level = LogLevel.Warning, Message = "Registry {Registry}: evicted {Instances} stale instances after {After}")]
        public static partial void StaleEvicted(ILogger logger, string registry, int instances, TimeSpan after);

        [LoggerMessage(EventId = 1010, Level = LogLevel.Debug, Message = "Mesh catalog revision {Revision}: {Changes} services changed, {Services} services")]
        public static partial void CatalogChanged(ILogger logger, long revision, int changes, int services);
    }
}
