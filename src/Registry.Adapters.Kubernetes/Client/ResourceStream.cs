using System.Runtime.CompilerServices;
using k8s;
using k8s.Models;

namespace Registry.Adapters.Kubernetes;

/// <summary>One page of a list: its items, the list's resourceVersion, and the continue token (empty on the last page).</summary>
internal sealed record ListPage(IReadOnlyList<IKubernetesObject<V1ObjectMeta>> Items, string? ResourceVersion, string? Continue);

/// <summary>
/// One list-and-watch: a resource (EndpointSlices or Services) in one namespace, or in all of them. Calls the
/// generated KubernetesClient operations with named arguments, and the async-enumerable watch helpers with an
/// <c>onError</c> handler (without one the client drops in-band ERROR events, the 410 among them).
/// </summary>
internal abstract class ResourceStream
{
    protected ResourceStream(string? ns) => Namespace = ns;

    /// <summary>The namespace, or <see langword="null"/> for all namespaces.</summary>
    public string? Namespace { get; }

    /// <summary>The resource as RBAC names it (<c>endpointslices.discovery.k8s.io</c>, <c>services</c>).</summary>
    public abstract string Resource { get; }

    /// <summary>Where, for messages: <c>in namespace shop</c> or <c>in all namespaces</c>.</summary>
    public string Scope => field ??= Namespace is null ? "in all namespaces (cluster-wide)" : $"in namespace {Namespace}";

    public static IReadOnlyList<ResourceStream> For(KubernetesRegistryOptions options)
    {
        if (options.Namespaces.Count == 0)
        {
            return [new SliceStream(null), new ServiceStream(null)];
        }

        var streams = new List<ResourceStream>();
        foreach (var ns in options.Namespaces.Distinct(StringComparer.Ordinal))
        {
            streams.Add(new SliceStream(ns));
            streams.Add(new ServiceStream(ns));
        }

        return streams;
    }

    public abstract Task<ListPage> ListAsync(IKubernetes client, string? continueToken, int limit, string? labelSelector, CancellationToken cancellationToken);

    public abstract IAsyncEnumerable<(WatchEventType Type, IKubernetesObject<V1ObjectMeta>? Item)> WatchAsync(
        IKubernetes client, string resourceVersion, string? labelSelector, int timeoutSeconds, Action<Exception> onError, CancellationToken cancellationToken);

    /// <summary>The resource and scope, for logs and messages.</summary>
    public string Description => field ??= $"{Resource} {Scope}";

    public override string ToString() => Description;

    protected static async IAsyncEnumerable<(WatchEventType Type, IKubernetesObject<V1ObjectMeta>? Item)> Upcast<T>(
        IAsyncEnumerable<(WatchEventType, T)> source, [EnumeratorCancellation] CancellationToken cancellationToken)
        where T : IKubernetesObject<V1ObjectMeta>
    {
        await foreach (var (type, item) in source.WithCancellation(cancellationToken).ConfigureAwait(false))
        {
            yield return (type, item);
        }
    }

    private sealed class SliceStream(string? ns) : ResourceStream(ns)
    {
        public override string Resource => "endpointslices.discovery.k8s.io";

        public override async Task<ListPage> ListAsync(IKubernetes client, string? continueToken, int limit, string? labelSelector, CancellationToken cancellationToken)
        {
            var list = Namespace is null
                ? await client.DiscoveryV1.ListEndpointSliceForAllNamespacesAsync(
                    continueParameter: continueToken, labelSelector: labelSelector, limit: limit, cancellationToken: cancellationToken).ConfigureAwait(false)
                : await client.DiscoveryV1.ListNamespacedEndpointSliceAsync(
                    namespaceParameter: Namespace, continueParameter: continueToken, labelSelector: labelSelector, limit: limit, cancellationToken: cancellationToken).ConfigureAwait(false);
            return new ListPage([.. list.Items ?? []], list.Metadata?.ResourceVersion, list.Metadata?.ContinueProperty);
        }

        public override IAsyncEnumerable<(WatchEventType Type, IKubernetesObject<V1ObjectMeta>? Item)> WatchAsync(
            IKubernetes client, string resourceVersion, string? labelSelector, int timeoutSeconds, Action<Exception> onError, CancellationToken cancellationToken) =>
            Upcast(
                Namespace is null
                    ? client.DiscoveryV1.WatchListEndpointSliceForAllNamespacesAsync(
                        allowWatchBookmarks: true, labelSelector: labelSelector, resourceVersion: resourceVersion, timeoutSeconds: timeoutSeconds,
                        onError: onError, cancellationToken: cancellationToken)
                    : client.DiscoveryV1.WatchListNamespacedEndpointSliceAsync(
                        namespaceParameter: Namespace, allowWatchBookmarks: true, labelSelector: labelSelector, resourceVersion: resourceVersion,
                        timeoutSeconds: timeoutSeconds, onError: onError, cancellationToken: cancellationToken),
                cancellationToken);
    }

    private sealed class ServiceStream(string? ns) : ResourceStream(ns)
    {
        public override string Resource => "services";

        public override async Task<ListPage> ListAsync(IKubernetes client, string? continueToken, int limit, string? labelSelector, CancellationToken cancellationToken)
        {
            var list = Namespace is null
                ? await client.CoreV1.ListServiceForAllNamespacesAsync(
                    continueParameter: continueToken, labelSelector: labelSelector, limit: limit, cancellationToken: cancellationToken).ConfigureAwait(false)
                : await client.CoreV1.ListNamespacedServiceAsync(
                    namespaceParameter: Namespace, continueParameter: continueToken, labelSelector: labelSelector, limit: limit, cancellationToken: cancellationToken).ConfigureAwait(false);
            return new ListPage([.. list.Items ?? []], list.Metadata?.ResourceVersion, list.Metadata?.ContinueProperty);
        }

        public override IAsyncEnumerable<(WatchEventType Type, IKubernetesObject<V1ObjectMeta>? Item)> WatchAsync(
            IKubernetes client, string resourceVersion, string? labelSelector, int timeoutSeconds, Action<Exception> onError, CancellationToken cancellationToken) =>
            Upcast(
                Namespace is null
                    ? client.CoreV1.WatchListServiceForAllNamespacesAsync(
                        allowWatchBookmarks: true, labelSelector: labelSelector, resourceVersion: resourceVersion, timeoutSeconds: timeoutSeconds,
                        onError: onError, cancellationToken: cancellationToken)
                    : client.CoreV1.WatchListNamespacedServiceAsync(
                        namespaceParameter: Namespace, allowWatchBookmarks: true, labelSelector: labelSelector, resourceVersion: resourceVersion,
                        timeoutSeconds: timeoutSeconds, onError: onError, cancellationToken: cancellationToken),
                cancellationToken);
    }
}
