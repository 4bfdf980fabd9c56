using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using Registry.Adapters.Consul.Tests.Fake;
using Registry.Adapters.Sync;

namespace Registry.Adapters.Consul.Tests.Leadership;

/// <summary>Replicas of the sync, each with its own Consul registry (client) against one fake, all on one fake clock.</summary>
internal sealed class ElectionHarness : IAsyncDisposable
{
    private readonly List<Replica> _replicas = [];

    private ElectionHarness(FakeConsulServer fake, FakeTimeProvider time)
    {
        Fake = fake;
        Time = time;
    }

    public FakeConsulServer Fake { get; }

    public FakeTimeProvider Time { get; }

    public static async Task<ElectionHarness> StartAsync(string? aclToken = null)
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 12, 2, 4, 0, 0, TimeSpan.Zero));
        var fake = await FakeConsulServer.StartAsync(time, aclToken);
        fake.Jitter = false;
        return new ElectionHarness(fake, time);
    }

    public static SyncElectionOptions Options(string identity) => new()
    {
        Kind = "consul",
        Name = "sync",
        Identity = identity,
        LeaseDuration = TimeSpan.FromSeconds(15),
        RenewDeadline = TimeSpan.FromSeconds(10),
        RetryPeriod = TimeSpan.FromSeconds(2),
    };

    /// <summary>A Consul registry (client) of one replica, behind its own partition switch.</summary>
    public (ConsulServiceRegistry Registry, PartitionHandler Partition) AddRegistry(string? token = null, ILoggerFactory? loggerFactory = null)
    {
        var partition = new PartitionHandler();
        var registry = ConsulTestSupport.CreateRegistry(
            Fake,
            o =>
            {
                o.Token = token;
                o.HttpMessageHandlerFactory = () => { partition.InnerHandler = new SocketsHttpHandler(); return partition; };
            },
            loggerFactory,
            Time);
        return (registry, partition);
    }

    public Replica Add(string identity, string? token = null, SyncElectionOptions? options = null, ILoggerFactory? loggerFactory = null)
    {
        var (registry, partition) = AddRegistry(token, loggerFactory);
        var election = ((ISyncElectionStore)registry).CreateElection(options ?? Options(identity), loggerFactory);
        var replica = new Replica(identity, registry, election, partition);
        _replicas.Add(replica);
        return replica;
    }

    /// <summary>The session the fake holds for a replica, once the replica has it (and holds its member key with it, so it renews).</summary>
    public async Task<FakeSessionInfo> SessionOfAsync(string identity)
    {
        FakeSessionInfo? found = null;
        await ConsulTestSupport.WaitUntilAsync(
            () => (found = Fake.ListSessions().FirstOrDefault(s => s.Name == "mesh-sync " + identity)) is not null
                && Fake.ListKeys("mesh-sync/replicas/").Any(k => k.Key.EndsWith("/" + identity, StringComparison.Ordinal) && k.Session == found.Id),
            $"a session for {identity}");
        return found!;
    }

    /// <summary>Moves the clock by one retry period and waits until every named replica's renewal of that tick was answered.</summary>
    public async Task TickAsync(params string[] renewing)
    {
        var before = new Dictionary<string, int>();
        foreach (var identity in renewing)
        {
            before[identity] = Fake.CountHandled("/v1/session/renew/" + (await SessionOfAsync(identity)).Id);
        }

        Time.Advance(TimeSpan.FromSeconds(2));
        foreach (var identity in renewing)
        {
            var id = (await SessionOfAsync(identity)).Id;
            await ConsulTestSupport.WaitUntilAsync(() => Fake.CountHandled("/v1/session/renew/" + id) > before[identity], $"the renewal of {identity}");
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var replica in _replicas)
        {
            replica.Partition.Heal();
            await replica.DisposeAsync();
        }

        await Fake.DisposeAsync();
    }

    internal sealed class Replica(string identity, ConsulServiceRegistry registry, ISyncElection election, PartitionHandler partition) : IAsyncDisposable
    {
        private bool _disposed;

        public string Identity { get; } = identity;

        public ConsulServiceRegistry Registry { get; } = registry;

        public ISyncElection Election { get; } = election;

        public PartitionHandler Partition { get; } = partition;

        public ConcurrentQueue<bool> Events { get; } = new();

        public ISyncCandidate Candidate(string election = "sync")
        {
            var candidate = Election.GetCandidate(election);
            return candidate;
        }

        /// <summary>Starts campaigning, recording leadership changes (into <paramref name="log"/> too, as "identity:true").</summary>
        public ISyncCandidate Campaign(ConcurrentQueue<string>? log = null, string election = "sync")
        {
            var candidate = Election.GetCandidate(election);
            candidate.LeadershipChanged += leading =>
            {
                Events.Enqueue(leading);
                log?.Enqueue($"{Identity}:{leading}");
            };
            candidate.Start();
            return candidate;
        }

        public async ValueTask DisposeAsync()
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            await Election.DisposeAsync();
            await Registry.DisposeAsync();
        }
    }
}

/// <summary>Cuts a replica off from Consul (a crash, or a partition): every request fails, and those in flight are aborted.</summary>
internal sealed class PartitionHandler : DelegatingHandler
{
    private CancellationTokenSource _cut = new();
    private volatile bool _partitioned;

    public void Cut()
    {
        _partitioned = true;
        _cut.Cancel();
    }

    public void Heal()
    {
        _partitioned = false;
        _cut = new CancellationTokenSource();
    }

    private int _transactions;

    /// <summary>The <c>PUT /v1/txn</c> requests this replica sent (catalog writes).</summary>
    public int Transactions => Volatile.Read(ref _transactions);

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (request.RequestUri?.AbsolutePath == "/v1/txn")
        {
            Interlocked.Increment(ref _transactions);
        }

        if (_partitioned)
        {
            throw new HttpRequestException("Connection refused (partitioned by the test)");
        }

        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _cut.Token);
        try
        {
            return await base.SendAsync(request, linked.Token);
        }
        catch (OperationCanceledException) when (_cut.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new HttpRequestException("Connection reset (partitioned by the test)");
        }
    }
}
