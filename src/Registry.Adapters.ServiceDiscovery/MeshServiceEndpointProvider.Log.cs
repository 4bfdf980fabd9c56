using Microsoft.Extensions.Logging;

namespace Registry.Adapters.ServiceDiscovery;

internal sealed partial class MeshServiceEndpointProvider
{
    private static partial class Log
    {
        [LoggerMessage(7100, LogLevel.Debug, "Mesh: skipped '{Service}': an earlier provider already resolved it.", EventName = "MeshSkipped")]
        public static partial void Skipped(ILogger logger, string service);

        [LoggerMessage(7101, LogLevel.Debug, "Mesh: '{Service}' is not in the mesh catalog; the next provider answers.", EventName = "MeshNotInCatalog")]
        public static partial void NotInMesh(ILogger logger, string service);

        [LoggerMessage(7102, LogLevel.Debug, "Mesh: '{Service}' resolved to {Endpoints} endpoint(s) of {Instances} instance(s).", EventName = "MeshResolved")]
        public static partial void Resolved(ILogger logger, string service, int endpoints, int instances);
    }
}
