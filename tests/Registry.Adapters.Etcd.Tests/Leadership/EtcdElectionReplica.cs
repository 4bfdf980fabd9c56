using System.Collections.Concurrent;
using Registry.Adapters.Sync;

namespace Registry.Adapters.Etcd.Tests;

/// <summary>
/// One replica of the sync in a test: its own etcd registry (its own connections, as a separate process has), its
/// election and one candidate, with every leadership change it raised.
/// </summary>
internal sealed class EtcdElectionReplica : IAsyncDisposable
{
    private readonly ConcurrentQueue<bool> _changes = new();

    private EtcdElectionReplica(IServiceRegistry registry, EtcdSyncElection election, ISyncCandidate candidate)
    {
        Registry = registry;
        Election = election;
        Candidate = candidate;
        candidate.LeadershipChanged += _changes.Enqueue;
    }

    public IServiceRegistry Registry { get; }

    public EtcdSyncElection Election { get; }

    public ISyncCandidate Candidate { get; }

    /// <summary>Every leadership change raised, in order.</summary>
    public IReadOnlyList<bool> Changes => [.. _changes];

    public static SyncElectionOptions Options(string name, string identity) => new()
    {
        Kind = "etcd",
        Name = name,
        Identity = identity,
        LeaseDuration = TimeSpan.FromSeconds(4),
        RenewDeadline = TimeSpan.FromSeconds(3),
        RetryPeriod = TimeSpan.FromMilliseconds(500),
    };

    public static EtcdElectionReplica Create(
        EtcdRegistryOptions registryOptions, SyncElectionOptions election, string candidate, TimeProvider? time = null, Microsoft.Extensions.Logging.ILoggerFactory? logs = null)
    {
        var registry = EtcdRegistryFactory.CreateRegistry("etcd", registryOptions, logs, time);
        var store = (ISyncElectionStore)registry;
        var created = (EtcdSyncElection)store.CreateElection(election, logs);
        return new EtcdElectionReplica(registry, created, created.GetCandidate(candidate));
    }

    public async ValueTask DisposeAsync()
    {
        await Election.DisposeAsync();
        await Registry.DisposeAsync();
    }
}
