using System.Diagnostics;
using Registry.Adapters.Backends;

namespace Registry.Adapters.Etcd;

/// <summary>The <c>Registry.Adapters.Etcd</c> activity source: spans around reads, resyncs and registration (see <see cref="RegistryTracing"/>).</summary>
internal static class EtcdTelemetry
{
    public const string SourceName = "Registry.Adapters.Etcd";

    public static readonly ActivitySource Source = RegistryTracing.CreateSource(SourceName, typeof(EtcdTelemetry));
}
