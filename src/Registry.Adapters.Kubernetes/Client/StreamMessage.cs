using k8s;
using k8s.Models;

namespace Registry.Adapters.Kubernetes;

/// <summary>What a stream loop tells the watch session.</summary>
internal abstract record StreamMessage(ResourceStream Stream)
{
    /// <summary>A full list; <paramref name="Relist"/> after a 410 (the session emits a resync).</summary>
    public sealed record Listed(ResourceStream Stream, IReadOnlyList<IKubernetesObject<V1ObjectMeta>> Items, bool Relist) : StreamMessage(Stream);

    /// <summary>One ADDED/MODIFIED/DELETED event.</summary>
    public sealed record Changed(ResourceStream Stream, bool Deleted, IKubernetesObject<V1ObjectMeta> Item) : StreamMessage(Stream);

    /// <summary>The stream failed and retries after <paramref name="RetryIn"/>.</summary>
    public sealed record Faulted(ResourceStream Stream, string Error, bool Permanent, TimeSpan RetryIn) : StreamMessage(Stream);

    /// <summary>The stream works again after a fault.</summary>
    public sealed record Recovered(ResourceStream Stream) : StreamMessage(Stream);

    /// <summary>A record was skipped as invalid.</summary>
    public sealed record Skipped(ResourceStream Stream, SkippedRecord Record) : StreamMessage(Stream);
}
