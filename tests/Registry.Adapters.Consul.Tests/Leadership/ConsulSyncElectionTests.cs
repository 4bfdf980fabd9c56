using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Registry.Adapters.Consul.Leadership;
using Registry.Adapters.Consul.Tests.Fake;
using Registry.Adapters.Sync;
using Shouldly;
using Xunit;

namespace Registry.Adapters.Consul.Tests.Leadership;

/// <summary>The Consul election against the fake over loopback HTTP: sessions, acquire, failover, fences.</summary>
public sealed class ConsulSyncElectionTests : IAsyncLifetime
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(15);
    private ElectionHarness _harness = null!;

    private FakeConsulServer Fake => _harness.Fake;

    public async Task InitializeAsync() => _harness = await ElectionHarness.StartAsync();

    public async Task DisposeAsync() => await _harness.DisposeAsync();

    [Fact]
    public async Task CreateElection_Session_HasTtlNoNodeChecksBehaviorDeleteAndNoLockDelay()
    {
        var a = _harness.Add("a");
        await a.Campaign().WaitForLeadershipAsync().WaitAsync(Patience);

        var session = await _harness.SessionOfAsync("a");
        session.TtlText.ShouldBe("10s", "half of the 15 s lease, raised to Consul's 10 s minimum");
        session.NodeChecks.ShouldBeEmpty("no serfHealth: the session ends with this process, not with the agent");
        session.Behavior.ShouldBe("delete");
        session.LockDelay.ShouldBe(TimeSpan.Zero, "the renew deadline (10 s) does not exceed the TTL (10 s)");
    }

    [Theory]
    [InlineData(15, 10, 10, 0)]
    [InlineData(60, 40, 30, 10)]
    [InlineData(3, 2, 10, 0)]
    [InlineData(31, 20, 16, 4)]
    public void SessionTimings_FollowTheLeaseAndRenewDeadline(int lease, int renewDeadline, int ttl, int lockDelay)
    {
        ConsulSyncElection.SessionTtl(TimeSpan.FromSeconds(lease)).ShouldBe(TimeSpan.FromSeconds(ttl));
        ConsulSyncElection.SessionLockDelay(TimeSpan.FromSeconds(renewDeadline), TimeSpan.FromSeconds(ttl)).ShouldBe(TimeSpan.FromSeconds(lockDelay));
    }

    [Fact]
    public async Task TwoReplicas_ExactlyOneLeads()
    {
        var log = new ConcurrentQueue<string>();
        var a = _harness.Add("a");
        var b = _harness.Add("b");
        var ca = a.Campaign(log);
        var cb = b.Campaign(log);

        await Task.WhenAny(ca.WaitForLeadershipAsync(), cb.WaitForLeadershipAsync()).WaitAsync(Patience);
        await WaitStandbyAsync(2);

        (ca.IsLeader ^ cb.IsLeader).ShouldBeTrue("exactly one leads");
        log.Count.ShouldBe(1, "one leadership change in all");
        var leader = ca.IsLeader ? ca : cb;
        var session = await _harness.SessionOfAsync(ca.IsLeader ? "a" : "b");
        leader.Fence.ShouldNotBeNull();
        leader.Fence.Registry.ShouldBe("consul");
        leader.Fence.Key.ShouldBe("mesh-sync/election/sync");
        leader.Fence.Holder.ShouldBe(session.Id, "the holder is the Consul session id");
        Fake.GetKey("mesh-sync/election/sync")!.Session.ShouldBe(session.Id);
        (ca.IsLeader ? cb : ca).Fence.ShouldBeNull();
    }

    [Fact]
    public async Task StopAsync_Leader_OtherLeadsAtOnceWithoutTheClockMoving()
    {
        var log = new ConcurrentQueue<string>();
        var a = _harness.Add("a");
        var ca = a.Campaign(log);
        await ca.WaitForLeadershipAsync().WaitAsync(Patience);
        var b = _harness.Add("b");
        var cb = b.Campaign(log);
        await WaitStandbyAsync(2);
        var now = _harness.Time.GetUtcNow();

        await ca.StopAsync();
        ca.IsLeader.ShouldBeFalse();
        await cb.WaitForLeadershipAsync().WaitAsync(Patience);

        _harness.Time.GetUtcNow().ShouldBe(now, "a release puts no lock-delay on the key and waits for no TTL");
        log.ToArray().ShouldBe(["a:True", "a:False", "b:True"]);
        Fake.SessionsInvalidated.ShouldBe(0);
        (await _harness.SessionOfAsync("a")).ShouldNotBeNull("stopping a candidate keeps the replica's session");
    }

    [Fact]
    public async Task DisposeAsync_Leader_OtherLeadsAtOnceAndTheSessionIsDestroyed()
    {
        var a = _harness.Add("a");
        var ca = a.Campaign();
        await ca.WaitForLeadershipAsync().WaitAsync(Patience);
        var sessionA = await _harness.SessionOfAsync("a");
        var b = _harness.Add("b");
        var cb = b.Campaign();
        await WaitStandbyAsync(2);

        await a.DisposeAsync();
        await cb.WaitForLeadershipAsync().WaitAsync(Patience);

        Fake.GetSession(sessionA.Id).ShouldBeNull("dispose destroys the session");
        Fake.GetKey("mesh-sync/replicas/sync/a").ShouldBeNull("its member key went with it (Behavior delete)");
        a.Events.ToArray().ShouldBe([true, false]);
        b.Events.ToArray().ShouldBe([true]);
    }

    [Fact]
    public async Task Crash_LeaderStopsRenewing_StepsDownAtTheDeadlineAndOtherLeadsAfterInvalidation()
    {
        var log = new ConcurrentQueue<string>();
        var a = _harness.Add("a");
        var ca = a.Campaign(log);
        await ca.WaitForLeadershipAsync().WaitAsync(Patience);
        var fenceA = ca.Fence!;
        var sessionA = await _harness.SessionOfAsync("a");
        var b = _harness.Add("b");
        var cb = b.Campaign(log);
        await WaitStandbyAsync(2);
        await _harness.SessionOfAsync("b");

        a.Partition.Cut();
        var ticks = 0;
        var stepDownTick = -1;
        while (Fake.GetSession(sessionA.Id) is not null && ticks < 15)
        {
            cb.IsLeader.ShouldBeFalse("no one leads while a's session holds the key");
            await _harness.TickAsync("b");
            ticks++;
            if (stepDownTick < 0 && !ca.IsLeader)
            {
                stepDownTick = ticks;
            }
        }

        await cb.WaitForLeadershipAsync().WaitAsync(Patience);
        stepDownTick.ShouldBe(5, "a stops leading when its renewals have failed for the 10 s renew deadline");
        ticks.ShouldBe(10, "Consul invalidates a session 2 × TTL (20 s) after its last renewal");
        log.ToArray().ShouldBe(["a:True", "a:False", "b:True"], "a stepped down before b led");
        cb.Fence!.Token.ShouldBeGreaterThan(fenceA.Token, "the fence token grows with every leadership, though the key was deleted and recreated");
        Fake.GetKey("mesh-sync/election/sync")!.LockIndex.ShouldBe(1UL, "LockIndex restarted at 1: it is no fence token under Behavior delete");
    }

    [Fact]
    public async Task Crash_WithLockDelay_StandbyWaitsItOutWithoutPolling()
    {
        // A 30 s lease: TTL 15 s, and the 20 s renew deadline exceeds it by 5 s, the lock-delay.
        SyncElectionOptions Slow(string identity)
        {
            var options = ElectionHarness.Options(identity);
            options.LeaseDuration = TimeSpan.FromSeconds(30);
            options.RenewDeadline = TimeSpan.FromSeconds(20);
            return options;
        }

        var a = _harness.Add("a", options: Slow("a"));
        var ca = a.Campaign();
        await ca.WaitForLeadershipAsync().WaitAsync(Patience);
        var sessionA = await _harness.SessionOfAsync("a");
        sessionA.LockDelay.ShouldBe(TimeSpan.FromSeconds(5));
        var b = _harness.Add("b", options: Slow("b"));
        var cb = b.Campaign();
        await WaitStandbyAsync(2);
        var sessionB = await _harness.SessionOfAsync("b");

        int Acquires() => Fake.Requests.Count(r => r.Method == "PUT" && r.Path == "/v1/kv/mesh-sync/election/sync" && r.Query.Contains(sessionB.Id, StringComparison.Ordinal));
        a.Partition.Cut();
        var ticks = 0;
        var whileHeld = -1;
        while (Fake.GetSession(sessionA.Id) is not null && ticks < 20)
        {
            // Counted while a's session (and so its lock) certainly still exists: b only watches the key.
            whileHeld = Acquires();
            await _harness.TickAsync("b");
            ticks++;
        }

        ticks.ShouldBe(15, "2 × the 15 s TTL");
        whileHeld.ShouldBe(1, "while a held the key for 28 s, b tried once (when it joined) and then only watched: no polling");
        Fake.LockDelayUntil("mesh-sync/election/sync").ShouldNotBeNull();
        while (!cb.IsLeader && ticks < 25)
        {
            cb.IsLeader.ShouldBeFalse();
            await _harness.TickAsync("b");
            ticks++;
        }

        await cb.WaitForLeadershipAsync().WaitAsync(Patience);
        ticks.ShouldBeGreaterThanOrEqualTo(18, "not before the 5 s lock-delay ended (30 s + 5 s)");
        // One try when b joined, one when the key went, then one per retry period of the lock-delay; one more when a
        // retry races a tick on a loaded machine (the tick does not wait for b's attempts, only for its renewals).
        Acquires().ShouldBeLessThanOrEqualTo(3 + (ticks - 15), "at most one try per retry period during the lock-delay");
    }

    [Fact]
    public async Task Leader_WatchReadFails_StaysLeaderAndWatchesAgain()
    {
        var a = _harness.Add("a");
        var ca = a.Campaign();
        await ca.WaitForLeadershipAsync().WaitAsync(Patience);
        await WaitStandbyAsync(1);
        var reads = Fake.CountHandled("/v1/kv/mesh-sync/election/sync");
        Fake.EnqueueFault("/v1/kv/mesh-sync/election/sync", FakeConsulFault.ServerError);

        // The held watch returns at its wait (one tick), the next read fails, and the one after a retry period succeeds.
        var ticks = 0;
        while (Fake.CountHandled("/v1/kv/mesh-sync/election/sync") <= reads + 1 && ticks < 10)
        {
            await _harness.TickAsync("a");
            ticks++;
            ca.IsLeader.ShouldBeTrue("a failed read does not end leadership; the session's renew deadline does");
        }

        Fake.CountHandled("/v1/kv/mesh-sync/election/sync").ShouldBeGreaterThan(reads + 1, "the watch resumed after the failed read");
        Fake.CountRequests("/v1/kv/mesh-sync/election/sync").ShouldBeLessThanOrEqualTo(Fake.CountHandled("/v1/kv/mesh-sync/election/sync") + 2, "one failed read, no retry storm");
        a.Events.ToArray().ShouldBe([true]);
    }

    [Fact]
    public async Task ListReplicasAsync_LiveMembers_ListsTheirIdentitiesSortedAndNotADeadOne()
    {
        var c = _harness.Add("c");
        var a = _harness.Add("a");
        var b = _harness.Add("b");
        (await c.Election.ListReplicasAsync()).ShouldContain("c", "a replica lists itself before its member key is written");
        (await a.Election.ListReplicasAsync()).ShouldContain("a");
        (await b.Election.ListReplicasAsync()).ShouldContain("b");
        await ConsulTestSupport.WaitUntilAsync(() => Fake.ListKeys("mesh-sync/replicas/sync/").Count(k => k.Session is not null) == 3, "the three member keys");

        (await a.Election.ListReplicasAsync()).ShouldBe(["a", "b", "c"]);
        (await c.Election.ListReplicasAsync()).ShouldBe(["a", "b", "c"]);

        // A member key nobody holds (written by hand) is no member.
        Fake.PutKey("mesh-sync/replicas/sync/ghost", "x"u8.ToArray());
        (await a.Election.ListReplicasAsync()).ShouldBe(["a", "b", "c"]);

        // c dies: nobody renews its session, and Consul ends it after 2 × TTL, deleting its member key (Behavior delete).
        var sessionC = await _harness.SessionOfAsync("c");
        c.Partition.Cut();
        var ticks = 0;
        while (Fake.GetSession(sessionC.Id) is not null && ticks < 15)
        {
            (await a.Election.ListReplicasAsync()).ShouldBe(["a", "b", "c"], "c is listed while its session lives");
            await _harness.TickAsync("a", "b");
            ticks++;
        }

        (await a.Election.ListReplicasAsync()).ShouldBe(["a", "b"], "the dead replica's member key went with its session");

        await b.DisposeAsync();
        (await a.Election.ListReplicasAsync()).ShouldBe(["a"]);
        Fake.ListKeys("mesh-sync/replicas/sync/").Where(k => k.Session is not null).Select(k => k.Key).ShouldBe(["mesh-sync/replicas/sync/a"]);
    }

    [Fact]
    public async Task Shards_EachElectionHasItsOwnKeyAndOneSessionServesAll()
    {
        var a = _harness.Add("a");
        var c0 = a.Campaign(election: "sync-0");
        var c1 = a.Campaign(election: "sync-1");
        await Task.WhenAll(c0.WaitForLeadershipAsync(), c1.WaitForLeadershipAsync()).WaitAsync(Patience);

        Fake.ListSessions().Count.ShouldBe(1);
        c0.Fence!.Key.ShouldBe("mesh-sync/election/sync-0");
        c1.Fence!.Key.ShouldBe("mesh-sync/election/sync-1");
        a.Election.GetCandidate("sync-0").ShouldBeSameAs(c0);
        Should.Throw<ArgumentException>(() => a.Election.GetCandidate("../x"));
    }

    [Fact]
    public async Task Renewal_SessionInvalidatedByOperator_LeaderStepsDownAndCampaignsWithANewSession()
    {
        var a = _harness.Add("a");
        var ca = a.Campaign();
        await ca.WaitForLeadershipAsync().WaitAsync(Patience);
        var first = await _harness.SessionOfAsync("a");

        Fake.InvalidateSession(first.Id);
        await ConsulTestSupport.WaitUntilAsync(() => !ca.IsLeader, "a steps down when its key is deleted");
        _harness.Time.Advance(TimeSpan.FromSeconds(2));
        await ca.WaitForLeadershipAsync().WaitAsync(Patience);

        (await _harness.SessionOfAsync("a")).Id.ShouldNotBe(first.Id);
        a.Events.ToArray().ShouldBe([true, false, true]);
        ca.Fence!.Holder.ShouldBe((await _harness.SessionOfAsync("a")).Id);
    }

    [Fact]
    public async Task WrongToken_ClearErrorWithoutTheSecret()
    {
        await using var harness = await ElectionHarness.StartAsync(aclToken: "right-token-0123");
        harness.Fake.EchoCredential = true;
        var logs = new CapturingLoggerProvider();
        using var factory = LoggerFactory.Create(b => b.AddProvider(logs).SetMinimumLevel(LogLevel.Trace));
        var a = harness.Add("a", token: "wrong-secret-4567", loggerFactory: factory);

        var error = await Should.ThrowAsync<RegistryException>(() => a.Election.ListReplicasAsync());
        a.Campaign();
        await ConsulTestSupport.WaitUntilAsync(() => logs.Lines.Any(l => l.Contains("creating the session failed", StringComparison.Ordinal)), "the session error is logged");

        error.Message.ShouldContain("403");
        error.Message.ShouldContain("ACL not found");
        error.Message.ShouldNotContain("wrong-secret-4567");
        logs.Lines.ShouldAllBe(l => !l.Contains("wrong-secret-4567"));
        logs.Lines.ShouldContain(l => l.Contains("403", StringComparison.Ordinal));
        a.Election.GetCandidate("sync").IsLeader.ShouldBeFalse();
    }

    [Fact]
    public void CreateElection_InvalidIdentityOrOptions_Throws()
    {
        var registry = (ISyncElectionStore)ConsulTestSupport.CreateRegistry(Fake);
        Should.Throw<ArgumentException>(() => registry.CreateElection(ElectionHarness.Options("a/b"))).Message.ShouldContain("Identity");
        var options = ElectionHarness.Options("a");
        options.RenewDeadline = TimeSpan.FromSeconds(20);
        Should.Throw<ArgumentException>(() => registry.CreateElection(options)).Message.ShouldContain("RenewDeadline");
    }

    /// <summary>Waits until <paramref name="count"/> blocking queries are held on the election key (leader watch and standbys).</summary>
    private Task WaitStandbyAsync(int count) =>
        ConsulTestSupport.WaitUntilAsync(() => Fake.InFlight("/v1/kv/mesh-sync/election/sync") >= count, $"{count} blocking queries on the election key");
}
