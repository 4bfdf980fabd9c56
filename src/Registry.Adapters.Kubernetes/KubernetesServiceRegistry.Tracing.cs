using k8s;
using k8s.Models;
using Registry.Adapters.Backends;

namespace Registry.Adapters.Kubernetes;

internal sealed partial class KubernetesServiceRegistry
{
    /// <summary>A paged list of one resource inside a <c>registry.read</c> (or, after the first, <c>registry.resync</c>) span.</summary>
    private async Task<(IReadOnlyList<IKubernetesObject<V1ObjectMeta>> Items, string? ResourceVersion)> TracedListAsync(
        IKubernetes client, ResourceStream stream, string operation, CancellationToken token)
    {
        using var activity = RegistryTracing.Start(KubernetesTelemetry.Source, operation, Name, Kind, client.BaseUri);
        if (activity is { IsAllDataRequested: true })
        {
            activity.SetTag("k8s.resource", stream.Resource);
            activity.SetTag("k8s.namespace.name", stream.Namespace);
        }

        try
        {
            var listed = await ListAllAsync(client, stream, token).ConfigureAwait(false);
            RegistryTracing.SetCount(activity, "registry.items", listed.Items.Count);
            return listed;
        }
        catch (Exception ex) when (!token.IsCancellationRequested)
        {
            RegistryTracing.Fail(activity, ex);
            throw;
        }
    }
}
