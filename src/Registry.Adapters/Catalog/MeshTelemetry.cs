using System.Diagnostics;

namespace Registry.Adapters;

/// <summary>
/// The <c>Registry.Adapters</c> <see cref="ActivitySource"/>: a span per full registry snapshot applied to the catalog
/// (the initial read and every forced resync). Attribute names follow the package's metric tags
/// (<c>registry.name</c>) and OpenTelemetry's general ones (<c>error.type</c>).
/// </summary>
public static class MeshTelemetry
{
    /// <summary>The name of the core's activity source (and meter): <c>Registry.Adapters</c>.</summary>
    public const string SourceName = "Registry.Adapters";

    internal static readonly ActivitySource Source = new(SourceName, typeof(MeshTelemetry).Assembly.GetName().Version?.ToString());

    /// <summary>Starts the span of one applied snapshot, or returns <see langword="null"/> when nobody listens.</summary>
    internal static Activity? StartSnapshot(string registry, RegistrySnapshotEvent snapshot)
    {
        var activity = Source.StartActivity("registry.snapshot", ActivityKind.Internal);
        if (activity is { IsAllDataRequested: true })
        {
            activity.SetTag("registry.name", registry);
            activity.SetTag("registry.resync", snapshot.IsResync);
            activity.SetTag("registry.services", snapshot.Snapshot.Services.Count);
            activity.SetTag("registry.instances", snapshot.Snapshot.InstanceCount);
        }

        return activity;
    }
}
