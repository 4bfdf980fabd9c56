using System.Diagnostics.CodeAnalysis;
using Registry.Adapters.Kubernetes.Writer;

namespace Registry.Adapters.Kubernetes;

/// <summary>The <c>kubernetes</c> sync target: mirrored services as selector-less Services and EndpointSlices in <see cref="KubernetesRegistryOptions.TargetNamespace"/>.</summary>
internal sealed partial class KubernetesServiceRegistry : IServiceRegistryWriter
{
    private KubernetesServiceWriter Writer
    {
        get
        {
            lock (_gate)
            {
                return _writer ??= new KubernetesServiceWriter(Name, GetClient, _options.TargetNamespace);
            }
        }
    }

    public bool TryNormalize(ServiceInstance desired, [NotNullWhen(true)] out ServiceInstance? stored, [NotNullWhen(false)] out string? reason) =>
        Writer.TryNormalize(desired, out stored, out reason);

    public Task<OwnedRecords> ListOwnedAsync(string syncId, CancellationToken cancellationToken = default) => Writer.ListOwnedAsync(syncId, cancellationToken);

    public Task<WriteResult> ApplyAsync(WriteBatch batch, CancellationToken cancellationToken = default) => Writer.ApplyAsync(batch, cancellationToken);
}
