using Registry.Adapters.Kubernetes.Istio;
using Registry.Adapters.Sync;

namespace Registry.Adapters.Kubernetes;

/// <summary>The sync targets a cluster offers beside its discovery: <c>istio</c>, the ServiceEntries in <see cref="KubernetesRegistryOptions.TargetNamespace"/>.</summary>
internal sealed partial class KubernetesServiceRegistry : ISyncTargetProvider
{
    /// <summary>The kind of the ServiceEntry target.</summary>
    public const string IstioKind = "istio";

    private IstioServiceEntryWriter? _istio;
    private Writer.KubernetesServiceWriter? _writer;

    public IReadOnlyList<string> TargetKinds { get; } = [IstioKind];

    public IServiceRegistryWriter? GetTarget(string kind, string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        if (!string.Equals(kind, IstioKind, StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed.IsCancellationRequested, this);
            if (_istio is null)
            {
                var mapping = _options.Istio;
                _istio = new IstioServiceEntryWriter(name, GetClient, new IstioMappingOptions
                {
                    HostTemplate = mapping.HostTemplate,
                    Location = mapping.Location,
                    Namespace = mapping.Namespace ?? _options.TargetNamespace,
                    Weight = mapping.Weight,
                    WeightMetadataKey = mapping.WeightMetadataKey,
                    DefaultRegion = mapping.DefaultRegion,
                    WorkloadEntries = mapping.WorkloadEntries,
                });
            }

            return _istio;
        }
    }
}
