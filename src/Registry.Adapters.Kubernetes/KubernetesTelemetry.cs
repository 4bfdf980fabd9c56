using System.Diagnostics;
using Registry.Adapters.Backends;

namespace Registry.Adapters.Kubernetes;

/// <summary>The <c>Registry.Adapters.Kubernetes</c> activity source: spans around reads, resyncs and registration (see <see cref="RegistryTracing"/>).</summary>
internal static class KubernetesTelemetry
{
    public const string SourceName = "Registry.Adapters.Kubernetes";

    public static readonly ActivitySource Source = RegistryTracing.CreateSource(SourceName, typeof(KubernetesTelemetry));
}
