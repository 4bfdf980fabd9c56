using Microsoft.Extensions.Time.Testing;
using Registry.Adapters.Sync;
using Registry.Adapters.Testing;
using Registry.Adapters.Testing.Sync;
using Shouldly;
using Xunit;
using static Registry.Adapters.Tests.Catalog.CatalogTestKit;

namespace Registry.Adapters.Tests.Sync;

/// <summary>The shard coordinator against the in-memory election and target on a fake clock: balance, handover, shard isolation.</summary>
public sealed partial class SyncShardCoordinatorTests : IAsyncDisposable
{
    private const int Services = 40;
    private readonly List<Replica> _replicas = [];
    private readonly MeshCatalog _catalog;
    private readonly FakeTimeProvider _time;
    private readonly InMemorySyncElectionStore _store;
    private readonly InMemorySyncTarget _target;

    public SyncShardCoordinatorTests()
    {
        (_catalog, _time) = CreateWith(null, ("eureka", Source()));
        _store = new InMemorySyncElectionStore(_time, TimeSpan.FromSeconds(15), registry: "target");
        _target = new InMemorySyncTarget("target", _store);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var replica in _replicas.Where(static r => !r.Stopped))
        {
            await replica.StopAsync(crash: false);
        }

        _catalog.Dispose();
    }

    private static ServiceInstance[] Source(int services = Services) =>
        [.. Enumerable.Range(0, services).SelectMany(s => new[]
        {
            Instance($"svc-{s:00}", $"svc-{s:00}-a", $"10.0.{s}.1", 8080),
            Instance($"svc-{s:00}", $"svc-{s:00}-b", $"10.0.{s}.2", 8080),
        })];

    private static SyncOptions Options(int shards)
    {
        var options = new SyncOptions { Shards = shards, MaxDeleteRatio = 1 };
        options.To.Add("target");
        options.LeaderElection.Kind = "etcd";
        return options;
    }

    private Replica Start(string name, int shards = 4)
    {
        var election = _store.CreateElection(name);
        var coordinator = new SyncShardCoordinator(_catalog, [_target.Writer(name)], Options(shards), election, _time);
        var replica = new Replica(name, election, coordinator);
        _replicas.Add(replica);
        return replica;
    }

    private Replica[] Live => [.. _replicas.Where(static r => !r.Stopped)];

    /// <summary>Advances the clock one retry period between polls, as the replicas' balancing loops see it.</summary>
    private Task UntilAsync(Func<bool> condition, string because) =>
        Poll.UntilAsync(() => Task.FromResult(condition()), because, between: () => _time.Advance(TimeSpan.FromSeconds(2)));

    /// <summary>Every shard is led by a live replica, and each leads its share among the live ones: within one shard of even.</summary>
    private bool Balanced(int shards)
    {
        var live = Live;
        var leaders = Enumerable.Range(0, shards).Select(s => _store.LeaderOf(SyncElectionOptions.ElectionName("mesh-sync", s, shards))).ToList();
        var counts = live.Select(r => leaders.Count(l => l == r.Name)).ToList();
        return leaders.All(l => l is not null && live.Any(r => r.Name == l))
            && live.All(r => r.Coordinator.Replicas == live.Length && r.Coordinator.LeadingShards.Count == leaders.Count(l => l == r.Name))
            && live.All(r => r.Coordinator.LeadingShards.Count == r.Coordinator.FairShare || (shards < live.Length && r.Coordinator.LeadingShards.Count == 0))
            && counts.Max() - counts.Min() <= 1;
    }

    private bool Mirrored()
    {
        var records = _target.Records;
        return records.Count == Services && records.Values.All(static set => set.Count == 2);
    }

    [Fact]
    public async Task RunAsync_AloneWithFourShards_LeadsEveryShardAndMirrorsEverything()
    {
        var a = Start("a");

        await UntilAsync(() => a.Coordinator.LeadingShards.Count == 4 && Mirrored(), "a alone leads the 4 shards and mirrors the 40 services");

        a.Coordinator.FairShare.ShouldBe(4);
        _target.Log.ShouldAllBe(e => e.Replica == "a" && e.Op == "create");
        _target.Log.Count.ShouldBe(Services * 2, "each instance written once");
    }

    [Fact]
    public async Task RunAsync_FourReplicasFourShards_ConvergeToOneShardEachAndShareTheWrites()
    {
        var a = Start("a");
        await UntilAsync(() => a.Coordinator.LeadingShards.Count == 4, "a alone leads every shard");
        var started = _time.GetUtcNow();
        Start("b");
        Start("c");
        Start("d");

        await UntilAsync(
            () => Balanced(4) && Live.All(r => r.Coordinator.LeadingShards.Count == 1 && r.Coordinator.CampaigningShards.Count == 1),
            "4 replicas lead one shard each and, at their fair share, stand only in the election they lead");

        (_time.GetUtcNow() - started).ShouldBeLessThan(TimeSpan.FromMinutes(3), "a surplus is handed over one shard per period after the settle period");
        Live.SelectMany(r => r.Coordinator.LeadingShards).Order().ShouldBe([0, 1, 2, 3]);
        await UntilAsync(Mirrored, "the target holds every service");
        _target.Log.ShouldNotContain(e => e.Op == "delete", "a handover deletes nothing whose source still has it");
    }

    [Fact]
    public async Task RunAsync_ReplicaLeaves_ItsShardsAreTakenOverAndNothingIsDeleted()
    {
        var a = Start("a");
        await UntilAsync(() => a.Coordinator.LeadingShards.Count == 4 && Mirrored(), "a mirrors everything");
        var b = Start("b");
        await UntilAsync(() => Balanced(4) && a.Coordinator.LeadingShards.Count == 2, "a and b lead two shards each");
        var bShards = b.Coordinator.LeadingShards;

        await b.StopAsync(crash: false);
        await UntilAsync(() => a.Coordinator.LeadingShards.Count == 4, "a takes b's shards over");

        // b's shards change in the source: only their new leader, a, can mirror that.
        var changed = _catalog.Current.GetServices().Select(static s => s.Name).First(n => SyncShards.Of(n, 4) == bShards[0]);
        _catalog.Apply("eureka", Change(changed, Instance(changed, $"{changed}-a", "10.9.9.1", 8080), Instance(changed, $"{changed}-b", "10.9.9.2", 8080)));
        await UntilAsync(() => _target.Records[changed].All(static i => i.Host.StartsWith("10.9.9.", StringComparison.Ordinal)), "the change in b's former shard is mirrored by a");
        _target.Log.Where(static e => e.Op == "update").ShouldAllBe(e => e.Replica == "a" && e.Service == changed);
        _target.Log.ShouldNotContain(e => e.Op == "delete");
    }

    [Fact]
    public async Task RunAsync_ReplicaCrashes_StandbysTakeOverAfterTheLease()
    {
        var a = Start("a");
        await UntilAsync(() => a.Coordinator.LeadingShards.Count == 4, "a leads every shard");
        Start("b");
        await UntilAsync(() => Balanced(4) && a.Coordinator.LeadingShards.Count == 2, "a and b lead two shards each");
        var b = _replicas[1];

        await b.StopAsync(crash: true);
        var crashed = _time.GetUtcNow();
        b.Coordinator.LeadingShards.Count.ShouldBe(2, "a crashed replica releases nothing: its leases run out");
        a.Coordinator.LeadingShards.Count.ShouldBe(2, "nobody takes a shard before the lease expired");

        await UntilAsync(() => a.Coordinator.LeadingShards.Count == 4, "a takes the crashed replica's shards");
        (_time.GetUtcNow() - crashed).ShouldBeLessThanOrEqualTo(TimeSpan.FromSeconds(15 + 2 + 2), "within the lease duration and a retry period or so");
        await UntilAsync(Mirrored, "the target holds every service");
        _target.Log.ShouldNotContain(e => e.Op == "delete");
    }

    [Fact]
    public async Task RunAsync_ShardEngine_NeverTouchesAnotherShardsServices()
    {
        // Owned records of services gone from the source, in every shard: only their own shard's leader may delete them.
        var gone = Enumerable.Range(100, 12).Select(i => $"old-{i}").ToList();
        foreach (var service in gone)
        {
            _target.PutNative(SyncMetadata.Mark(Instance(service, $"{service}-1"), SyncMetadata.DefaultSyncId, "eureka"));
        }

        // Another replica holds shards 0, 2 and 3 and never writes.
        var other = _store.CreateElection("other");
        foreach (var shard in new[] { 0, 2, 3 })
        {
            other.GetCandidate(SyncElectionOptions.ElectionName("mesh-sync", shard, 4)).Start();
        }

        var a = Start("a");
        await UntilAsync(() => a.Coordinator.LeadingShards.SequenceEqual([1]) && _target.Log.Count(e => e.Op == "create") == _catalog.Current.GetServices().Count(s => SyncShards.Of(s.Name, 4) == 1) * 2, "a leads shard 1 and mirrors it");

        _target.Log.ShouldAllBe(e => SyncShards.Of(e.Service, 4) == 1, "every write of a's engines is in shard 1");
        _target.Log.Where(static e => e.Op == "delete").Select(static e => e.Service).Order(StringComparer.Ordinal)
            .ShouldBe(gone.Where(static s => SyncShards.Of(s, 4) == 1).Order(StringComparer.Ordinal));
        _target.Records.Keys.Where(static s => s.StartsWith("old-", StringComparison.Ordinal))
            .ShouldBe(gone.Where(static s => SyncShards.Of(s, 4) != 1), ignoreOrder: true);
        gone.Count(static s => SyncShards.Of(s, 4) != 1).ShouldBeGreaterThan(0, "the test has other shards' records to keep");
    }

    [Fact]
    public async Task RunAsync_OneShard_StandbyDoesNotWriteAndTakesOverWhenTheLeaderCrashes()
    {
        var a = Start("a", shards: 1);
        await UntilAsync(() => a.Coordinator.LeadingShards.Count == 1 && Mirrored(), "a leads and mirrors");
        var b = Start("b", shards: 1);
        _catalog.Apply("eureka", Change("svc-01", Instance("svc-01", "svc-01-a", "10.8.0.1", 8080), Instance("svc-01", "svc-01-b", "10.8.0.2", 8080)));
        await UntilAsync(() => _target.Records["svc-01"].All(static i => i.Host.StartsWith("10.8.", StringComparison.Ordinal)), "the leader mirrors a change");
        b.Coordinator.LeadingShards.ShouldBeEmpty();
        b.Coordinator.CampaigningShards.ShouldBe([0], "a standby stands in the election");
        _target.WritesBy("b").ShouldBe(0, "a standby writes nothing");

        await a.StopAsync(crash: true);
        _catalog.Apply("eureka", Change("svc-02", Instance("svc-02", "svc-02-a", "10.0.2.1", 8080)));
        await UntilAsync(() => b.Coordinator.LeadingShards.Count == 1 && _target.Records["svc-02"].Count == 1, "b takes over and mirrors the change");

        _target.WritesBy("b").ShouldBe(1, "the new leader's full reconcile writes only the one change: svc-02-b deleted");
        _target.Log[^1].ShouldBe(("b", "delete", "svc-02", "svc-02-b"));
    }

    [Fact]
    public async Task RunOnceAsync_LeadsEveryShardThenStepsDown()
    {
        var election = _store.CreateElection("once");
        await using var coordinator = new SyncShardCoordinator(_catalog, [_target.Writer("once")], Options(4), election, _time);

        var passes = await coordinator.RunOnceAsync(Timeout.InfiniteTimeSpan);

        passes.Select(static p => p.Shard).ShouldBe([0, 1, 2, 3]);
        passes.ShouldAllBe(static p => !p.Standby);
        passes.Sum(static p => p.Writes).ShouldBe(Services * 2);
        Mirrored().ShouldBeTrue();
        Enumerable.Range(0, 4).Select(s => _store.LeaderOf(SyncElectionOptions.ElectionName("mesh-sync", s, 4))).ShouldAllBe(l => l == null, "stepped down");
    }

    [Fact]
    public async Task RunOnceAsync_AnotherReplicaLeadsAShard_WaitsAndWritesNothing()
    {
        var other = _store.CreateElection("other");
        other.GetCandidate(SyncElectionOptions.ElectionName("mesh-sync", 2, 4)).Start();
        var election = _store.CreateElection("once");
        await using var coordinator = new SyncShardCoordinator(_catalog, [_target.Writer("once")], Options(4), election, _time);
        var run = coordinator.RunOnceAsync(TimeSpan.FromSeconds(5));
        await Poll.UntilAsync(() => coordinator.LeadingShards.Count == 3, "it leads the free shards");

        _time.Advance(TimeSpan.FromSeconds(5));

        await Should.ThrowAsync<TimeoutException>(run);
        _target.Log.ShouldBeEmpty("nothing is written unless every shard is led");
        _store.LeaderOf(SyncElectionOptions.ElectionName("mesh-sync", 0, 4)).ShouldBeNull("the shards it held are released");
    }

    [Fact]
    public async Task RunAsync_CountFails_KeepsItsShareAndLeadership()
    {
        var a = Start("a");
        await UntilAsync(() => a.Coordinator.LeadingShards.Count == 4, "a leads every shard");
        var counts = a.Election.Counts;
        _store.CountFault = static () => new RegistryException("etcd unavailable");

        await UntilAsync(() => a.Election.Counts >= counts + 3, "three balancing rounds with a failing count");

        a.Coordinator.LeadingShards.Count.ShouldBe(4);
        a.Coordinator.Replicas.ShouldBe(1);
    }

    [Fact]
    public async Task RunAsync_BalancingThrowsUnexpectedly_StepsDownFromEveryShardAndFailsInsteadOfHanging()
    {
        var a = Start("a");
        await UntilAsync(() => a.Coordinator.LeadingShards.Count == 4, "a leads every shard");
        _store.CountFault = static () => new InvalidOperationException("a bug in the election store");

        await UntilAsync(() => a.Run.IsCompleted, "the run ends instead of waiting for engines nobody stops");

        (await Should.ThrowAsync<InvalidOperationException>(a.Run)).Message.ShouldContain("a bug in the election store");
        a.Coordinator.LeadingShards.ShouldBeEmpty();
        Enumerable.Range(0, 4).Select(s => _store.LeaderOf(SyncElectionOptions.ElectionName("mesh-sync", s, 4))).ShouldAllBe(l => l == null, "every shard released, so a standby takes over");
    }

    [Fact]
    public void Constructor_InvalidOptions_Throws()
    {
        var options = Options(4);
        options.LeaderElection.Kind = "none";

        Should.Throw<ArgumentException>(() => new SyncShardCoordinator(_catalog, [_target.Writer("a")], options, _store.CreateElection("a"), _time))
            .Message.ShouldContain("Shards needs leader election");
    }

    private sealed class Replica
    {
        private readonly CancellationTokenSource _stop = new();
        private readonly Task _run;

        private int _changes;

        public Replica(string name, InMemorySyncElection election, SyncShardCoordinator coordinator)
        {
            Name = name;
            Election = election;
            Coordinator = coordinator;
            coordinator.LeadershipChanged = (_, _) => Interlocked.Increment(ref _changes);
            _run = coordinator.RunAsync(_stop.Token);
        }

        /// <summary>How many times this replica started or stopped leading a shard.</summary>
        public int Changes => Volatile.Read(ref _changes);

        public string Name { get; }

        public InMemorySyncElection Election { get; }

        public SyncShardCoordinator Coordinator { get; }

        public bool Stopped { get; private set; }

        /// <summary>The replica's <see cref="SyncShardCoordinator.RunAsync"/>.</summary>
        public Task Run => _run;

        /// <summary>Stops the replica: gracefully (steps down, leaves), or as kill -9 does (releases nothing).</summary>
        public async Task StopAsync(bool crash)
        {
            Stopped = true;
            if (_run.IsFaulted)
            {
                await Coordinator.DisposeAsync();
                await Election.DisposeAsync();
                return;
            }

            if (crash)
            {
                Election.Crash();
            }

            await _stop.CancelAsync();
            await _run;
            await Coordinator.DisposeAsync();
            await Election.DisposeAsync();
            _stop.Dispose();
        }
    }
}
