using Microsoft.Extensions.Logging;

namespace Registry.Adapters.Sync;

/// <summary>
/// A registry whose connection can hold the sync's leader election (etcd, Consul, Kubernetes). The console and
/// <c>AddMeshSync</c> obtain it with <c>registry as ISyncElectionStore</c> for the registry named by
/// <see cref="SyncElectionOptions.Registry"/> (or the only registry of <see cref="SyncElectionOptions.Kind"/>), as they obtain
/// a target with <c>registry as IServiceRegistryWriter</c>.
/// </summary>
public interface ISyncElectionStore
{
    /// <summary>Creates this replica's election on the registry's connection (address, TLS, credentials); it campaigns once a candidate is started.</summary>
    /// <param name="options">The election name, identity and timings (validated).</param>
    /// <param name="loggerFactory">Logs leadership changes; none when <see langword="null"/>.</param>
    /// <returns>The election; dispose it to step down.</returns>
    ISyncElection CreateElection(SyncElectionOptions options, ILoggerFactory? loggerFactory = null);
}
