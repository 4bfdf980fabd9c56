using Registry.Adapters.Sync;
using Registry.Adapters.Testing;
using Shouldly;
using Xunit;

namespace Registry.Adapters.Etcd.Tests;

/// <summary>The etcd leader election against a real etcd: one leader, hand-over on a clean stop and on a crash.</summary>
public sealed class EtcdSyncElectionTests(EtcdServerFixture fixture) : IClassFixture<EtcdServerFixture>
{
    private static readonly TimeSpan Takeover = TimeSpan.FromSeconds(30);
    private readonly string _name = "e" + Guid.NewGuid().ToString("N")[..12];
    private readonly string _prefix = EtcdServerFixture.UniquePrefix("election");

    private string ElectionPrefix => $"{EtcdSyncElection.ElectionPrefix}{_name}/";

    private EtcdElectionReplica Replica(string identity) =>
        EtcdElectionReplica.Create(fixture.Server.ClientOptions(_prefix), EtcdElectionReplica.Options(_name, identity), _name);

    internal static async Task<(EtcdElectionReplica Leader, EtcdElectionReplica Standby)> ElectAsync(EtcdElectionReplica a, EtcdElectionReplica b, EtcdTestClient client, string prefix)
    {
        a.Candidate.Start();
        b.Candidate.Start();
        await Task.WhenAny(a.Candidate.WaitForLeadershipAsync(), b.Candidate.WaitForLeadershipAsync()).WaitAsync(Takeover);
        await Poll.UntilAsync(async () => (await client.GetPrefixAsync(prefix)).Kvs.Count == 2, "both replicas hold a candidate key");
        return a.Candidate.IsLeader ? (a, b) : (b, a);
    }

    [Fact]
    public async Task Campaign_TwoReplicas_ExactlyOneLeadsOnTheOldestKey()
    {
        using var client = await EtcdTestClient.ConnectAsync(fixture.Server);
        await using var a = Replica("replica-a");
        await using var b = Replica("replica-b");

        var (leader, standby) = await ElectAsync(a, b, client, ElectionPrefix);

        leader.Candidate.IsLeader.ShouldBeTrue();
        standby.Candidate.IsLeader.ShouldBeFalse();
        standby.Candidate.WaitForLeadershipAsync().IsCompleted.ShouldBeFalse();
        leader.Changes.ShouldBe([true]);
        standby.Changes.ShouldBeEmpty();

        var keys = (await client.GetPrefixAsync(ElectionPrefix)).Kvs.OrderBy(static k => k.CreateRevision).ToList();
        var fence = leader.Candidate.Fence.ShouldNotBeNull();
        fence.Registry.ShouldBe("etcd");
        fence.Key.ShouldBe(keys[0].Key.ToStringUtf8(), "the oldest key leads");
        fence.Token.ShouldBe(keys[0].CreateRevision);
        fence.Holder.ShouldBe(leader.Election.Identity);
        keys[0].Value.ToStringUtf8().ShouldBe(leader.Election.Identity);
        keys.Select(static k => k.Lease).ShouldAllBe(static l => l != 0, "every candidate key is on a lease");
        keys[0].Lease.ShouldNotBe(keys[1].Lease);
        standby.Candidate.Fence.ShouldBeNull("a standby never led");
    }

    [Fact]
    public async Task StopAsync_Leader_StandbyTakesOverBeforeTheLeaseExpires()
    {
        using var client = await EtcdTestClient.ConnectAsync(fixture.Server);
        await using var a = Replica("replica-a");
        await using var b = Replica("replica-b");
        var (leader, standby) = await ElectAsync(a, b, client, ElectionPrefix);
        var oldFence = leader.Candidate.Fence!;

        await leader.Candidate.StopAsync();

        leader.Candidate.IsLeader.ShouldBeFalse();
        leader.Changes.ShouldBe([true, false]);
        await standby.Candidate.WaitForLeadershipAsync().WaitAsync(Takeover);
        standby.Changes.ShouldBe([true]);
        standby.Candidate.Fence!.Token.ShouldBeGreaterThan(oldFence.Token);

        // The stopped replica's lease is still alive (its replica key is there): the hand-over came from the release.
        (await client.GetAsync(leader.Election.ReplicaKey(leader.Election.CurrentSession!.Lease))).ShouldNotBeNull();
        (await client.GetAsync(oldFence.Key)).ShouldBeNull("the stopped leader deleted its key");

        // Started again, it queues behind the new leader.
        leader.Candidate.Start();
        await Poll.UntilAsync(async () => (await client.GetPrefixAsync(ElectionPrefix)).Kvs.Count == 2, "the restarted replica holds a key again");
        leader.Candidate.IsLeader.ShouldBeFalse();
        standby.Candidate.IsLeader.ShouldBeTrue();
        leader.Changes.ShouldBe([true, false]);
    }

    [Fact]
    public async Task Crash_Leader_StandbyTakesOverAfterTheTtl()
    {
        using var client = await EtcdTestClient.ConnectAsync(fixture.Server);
        await using var a = Replica("replica-a");
        await using var b = Replica("replica-b");
        var (leader, standby) = await ElectAsync(a, b, client, ElectionPrefix);
        var key = leader.Candidate.Fence!.Key;

        // Killed: no revoke, no delete; etcd only learns of it when the lease expires.
        await leader.Election.AbandonAsync();
        (await client.GetAsync(key)).ShouldNotBeNull("nothing was revoked or deleted");

        await standby.Candidate.WaitForLeadershipAsync().WaitAsync(Takeover);
        standby.Changes.ShouldBe([true]);
        (await client.GetAsync(key)).ShouldBeNull("the dead leader's key went with its lease");
    }

    [Fact]
    public async Task DisposeAsync_Leader_RevokesTheLeaseAndTheStandbyLeads()
    {
        using var client = await EtcdTestClient.ConnectAsync(fixture.Server);
        var a = Replica("replica-a");
        var b = Replica("replica-b");
        await using var disposeA = a;
        await using var disposeB = b;
        var (leader, standby) = await ElectAsync(a, b, client, ElectionPrefix);
        var lease = leader.Election.CurrentSession!.Lease;

        await leader.DisposeAsync();

        leader.Candidate.IsLeader.ShouldBeFalse();
        leader.Changes.ShouldBe([true, false]);
        (await client.GetAsync(leader.Election.ReplicaKey(lease))).ShouldBeNull("the revoke deleted the replica key at once");
        await standby.Candidate.WaitForLeadershipAsync().WaitAsync(Takeover);
        standby.Changes.ShouldBe([true]);
    }

    [Fact]
    public async Task Campaign_ThreeReplicas_LeadInTheOrderTheyCampaigned()
    {
        using var client = await EtcdTestClient.ConnectAsync(fixture.Server);
        await using var a = Replica("replica-a");
        await using var b = Replica("replica-b");
        await using var c = Replica("replica-c");
        a.Candidate.Start();
        await a.Candidate.WaitForLeadershipAsync().WaitAsync(Takeover);
        b.Candidate.Start();
        await Poll.UntilAsync(async () => (await client.GetPrefixAsync(ElectionPrefix)).Kvs.Count == 2, "b queued");
        c.Candidate.Start();
        await Poll.UntilAsync(async () => (await client.GetPrefixAsync(ElectionPrefix)).Kvs.Count == 3, "c queued");

        await a.Candidate.StopAsync();
        await b.Candidate.WaitForLeadershipAsync().WaitAsync(Takeover);
        c.Candidate.IsLeader.ShouldBeFalse("c queues behind b");

        await b.Candidate.StopAsync();
        await c.Candidate.WaitForLeadershipAsync().WaitAsync(Takeover);

        a.Changes.ShouldBe([true, false]);
        b.Changes.ShouldBe([true, false]);
        c.Changes.ShouldBe([true]);
        (await client.GetPrefixAsync(ElectionPrefix)).Kvs.Single().Key.ToStringUtf8().ShouldBe(c.Candidate.Fence!.Key);
    }
}
