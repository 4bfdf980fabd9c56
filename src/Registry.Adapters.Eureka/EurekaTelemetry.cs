using System.Diagnostics;
using Registry.Adapters.Backends;

namespace Registry.Adapters.Eureka;

/// <summary>The <c>Registry.Adapters.Eureka</c> activity source: spans around reads, resyncs and registration (see <see cref="RegistryTracing"/>).</summary>
internal static class EurekaTelemetry
{
    public const string SourceName = "Registry.Adapters.Eureka";

    public static readonly ActivitySource Source = RegistryTracing.CreateSource(SourceName, typeof(EurekaTelemetry));
}
