using System.Diagnostics;
using Registry.Adapters.Backends;

namespace Registry.Adapters.Consul;

/// <summary>The <c>Registry.Adapters.Consul</c> activity source: spans around reads, resyncs and registration (see <see cref="RegistryTracing"/>).</summary>
internal static class ConsulTelemetry
{
    public const string SourceName = "Registry.Adapters.Consul";

    public static readonly ActivitySource Source = RegistryTracing.CreateSource(SourceName, typeof(ConsulTelemetry));
}
