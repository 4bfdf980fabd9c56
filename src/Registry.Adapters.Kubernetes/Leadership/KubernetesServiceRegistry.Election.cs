using Microsoft.Extensions.Logging;
using Registry.Adapters.Kubernetes.Leadership;
using Registry.Adapters.Sync;

namespace Registry.Adapters.Kubernetes;

/// <summary>The Kubernetes registry as the store of the sync's leader election: Leases, see <see cref="KubernetesSyncElection"/>.</summary>
internal sealed partial class KubernetesServiceRegistry : ISyncElectionStore
{
    /// <summary>The namespace of the election's Leases when none is configured: the pod's (in-cluster), else <c>default</c>.</summary>
    private string ElectionNamespace()
    {
        if (_options.InCluster && Path.Combine(_options.ServiceAccountPath, "namespace") is var file && File.Exists(file))
        {
            var ns = File.ReadAllText(file).Trim();
            if (KubernetesRegistryOptions.IsDnsLabel(ns))
            {
                return ns;
            }
        }

        return "default";
    }

    public ISyncElection CreateElection(SyncElectionOptions options, ILoggerFactory? loggerFactory = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ObjectDisposedException.ThrowIf(_disposed.IsCancellationRequested, this);
        return new KubernetesSyncElection(GetClient, options, options.Namespace ?? ElectionNamespace(), _timeProvider, loggerFactory);
    }
}
