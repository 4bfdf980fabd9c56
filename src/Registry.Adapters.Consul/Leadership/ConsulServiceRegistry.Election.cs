using Microsoft.Extensions.Logging;
using Registry.Adapters.Consul.Leadership;
using Registry.Adapters.Sync;

namespace Registry.Adapters.Consul;

/// <summary>The Consul registry as the store of the sync's leader election: see <see cref="ConsulSyncElection"/>.</summary>
internal sealed partial class ConsulServiceRegistry : ISyncElectionStore
{
    /// <inheritdoc />
    public ISyncElection CreateElection(SyncElectionOptions options, ILoggerFactory? loggerFactory = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ObjectDisposedException.ThrowIf(_disposed.IsCancellationRequested, this);
        return new ConsulSyncElection(this, options, loggerFactory);
    }
}
