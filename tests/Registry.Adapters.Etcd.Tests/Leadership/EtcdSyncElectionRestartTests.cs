using Registry.Adapters.Sync;
using Registry.Adapters.Testing;
using Shouldly;
using Xunit;

namespace Registry.Adapters.Etcd.Tests;

/// <summary>The etcd leader election across an etcd restart (its own server: the restart must not disturb other tests).</summary>
public sealed class EtcdSyncElectionRestartTests(EtcdServerFixture fixture) : IClassFixture<EtcdServerFixture>
{
    private static readonly TimeSpan Takeover = TimeSpan.FromSeconds(30);
    private readonly string _name = "r" + Guid.NewGuid().ToString("N")[..12];
    private readonly string _prefix = EtcdServerFixture.UniquePrefix("election-restart");

    private EtcdElectionReplica Replica(string identity)
    {
        // A renew deadline longer than an etcd restart: leadership must survive it on re-opened streams.
        var options = new SyncElectionOptions
        {
            Kind = "etcd",
            Name = _name,
            Identity = identity,
            LeaseDuration = TimeSpan.FromSeconds(30),
            RenewDeadline = TimeSpan.FromSeconds(20),
            RetryPeriod = TimeSpan.FromMilliseconds(500),
        };
        return EtcdElectionReplica.Create(fixture.Server.ClientOptions(_prefix), options, _name);
    }

    [Fact]
    public async Task Restart_Etcd_LeaderKeepsLeadingOnReopenedStreamsAndTheStandbyStillTakesOver()
    {
        if (!fixture.Server.IsRunning)
        {
            await fixture.Server.RestartAsync();
        }

        EtcdElectionReplica a = Replica("replica-a"), b = Replica("replica-b");
        await using var disposeA = a;
        await using var disposeB = b;
        using (var client = await EtcdTestClient.ConnectAsync(fixture.Server))
        {
            await EtcdSyncElectionTests.ElectAsync(a, b, client, $"{EtcdSyncElection.ElectionPrefix}{_name}/");
        }

        var (leader, standby) = a.Candidate.IsLeader ? (a, b) : (b, a);
        var fence = leader.Candidate.Fence!;
        var session = leader.Election.CurrentSession!;

        await fixture.Server.RestartAsync();
        var renewals = session.Renewals;
        await Poll.UntilAsync(() => session.Renewals > renewals + 1, "keep-alives are answered again after the restart", Takeover);

        leader.Candidate.IsLeader.ShouldBeTrue();
        leader.Candidate.Fence.ShouldBe(fence, "the same leadership: same key, same create revision");
        leader.Election.CurrentSession.ShouldBeSameAs(session, "the same lease");
        standby.Candidate.IsLeader.ShouldBeFalse();
        leader.Changes.ShouldBe([true]);
        standby.Changes.ShouldBeEmpty();

        // The standby's watch was re-opened too: the release still reaches it at once.
        await leader.Candidate.StopAsync();
        await standby.Candidate.WaitForLeadershipAsync().WaitAsync(Takeover);
        standby.Changes.ShouldBe([true]);
    }
}
