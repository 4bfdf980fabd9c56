using Microsoft.Extensions.Logging;
using Registry.Adapters.Sync;

namespace Registry.Adapters.Etcd;

/// <summary>The etcd registry as the store of the sync's leader election: see <see cref="EtcdSyncElection"/>.</summary>
internal sealed partial class EtcdServiceRegistry : ISyncElectionStore
{
    /// <inheritdoc />
    public ISyncElection CreateElection(SyncElectionOptions options, ILoggerFactory? loggerFactory = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ObjectDisposedException.ThrowIf(_disposed.IsCancellationRequested, this);
        var errors = options.Validate();
        if (errors.Count > 0)
        {
            throw new ArgumentException(string.Join(" ", errors), nameof(options));
        }

        // Its own connection and lease on the registry's address, TLS and credentials: never the sync writer's lease,
        // which outlives a restart on purpose, while leadership must not.
        return new EtcdSyncElection(Name, _options, options, _timeProvider, loggerFactory);
    }
}
