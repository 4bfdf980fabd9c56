using System.Diagnostics;

namespace Registry.Adapters.ServiceDiscovery;

/// <summary>
/// The <c>Registry.Adapters.ServiceDiscovery</c> <see cref="ActivitySource"/>: a span per resolution of a service by the
/// mesh provider (MESD resolves when its cache is invalidated, not per request).
/// </summary>
public static class ServiceDiscoveryTelemetry
{
    /// <summary>The activity source name: <c>Registry.Adapters.ServiceDiscovery</c>.</summary>
    public const string SourceName = "Registry.Adapters.ServiceDiscovery";

    internal static readonly ActivitySource Source = new(SourceName, typeof(ServiceDiscoveryTelemetry).Assembly.GetName().Version?.ToString());
}
