using Registry.Adapters.Sync;
using Registry.Adapters.Testing;
using Shouldly;
using Xunit;

namespace Registry.Adapters.Tests.Sync;

/// <summary>Balancing by rank: every settled state is within one shard of even, whatever the order replicas come and go in.</summary>
public sealed partial class SyncShardCoordinatorTests
{
    private const int Period = 2;

    [Theory]
    [InlineData(4, 3, new[] { 2, 1, 1 })]
    [InlineData(5, 2, new[] { 3, 2 })]
    [InlineData(7, 4, new[] { 2, 2, 2, 1 })]
    [InlineData(4, 4, new[] { 1, 1, 1, 1 })]
    [InlineData(4, 1, new[] { 4 })]
    [InlineData(2, 3, new[] { 1, 1, 1 })]
    [InlineData(1, 2, new[] { 1, 1 })]
    public void FairShareOf_ByRank_FirstShardsModReplicasGetTheCeiling(int shards, int replicas, int[] expected)
    {
        var shares = Enumerable.Range(0, replicas).Select(rank => SyncShardCoordinator.FairShareOf(shards, replicas, rank)).ToArray();

        shares.ShouldBe(expected);
        if (shards >= replicas)
        {
            shares.Sum().ShouldBe(shards, "the shares add up to the shards, so every shard is led once every replica leads its share");
        }
    }

    [Fact]
    public async Task RunAsync_FourShardsThreeReplicasFromTwoTwoZero_SettlesAtTwoOneOne()
    {
        var b = Start("b");
        var c = Start("c");
        await SettleAsync(() => Balanced(4) && b.Coordinator.LeadingShards.Count == 2, "b and c lead two shards each");

        // a joins last and ranks first: within ⌈4/3⌉ = 2 everyone would be content at 2, 2, 0.
        var a = Start("a");
        await SettleAsync(() => Balanced(4) && Shares() == "a=2 b=1 c=1", "a takes a shard from each of b and c");

        a.Coordinator.Rank.ShouldBe(0);
        c.Coordinator.FairShare.ShouldBe(1);
        await ShouldStayPutAsync();
    }

    [Fact]
    public async Task RunAsync_FiveShardsTwoReplicas_SettlesAtThreeTwo()
    {
        var b = Start("b", shards: 5);
        await UntilAsync(() => b.Coordinator.LeadingShards.Count == 5, "b alone leads the 5 shards");
        var started = _time.GetUtcNow();
        var a = Start("a", shards: 5);

        await SettleAsync(() => Balanced(5) && Shares() == "a=3 b=2", "b hands three shards to a, which ranks first");

        (_time.GetUtcNow() - started).ShouldBeLessThan(TimeSpan.FromMinutes(1), "the settle period, then one step-down per period");
        a.Coordinator.FairShare.ShouldBe(3);
        await ShouldStayPutAsync();
        await UntilAsync(Mirrored, "the target holds every service");
        _target.Log.ShouldNotContain(e => e.Op == "delete", "a handover deletes nothing whose source still has it");
    }

    [Fact]
    public async Task RunAsync_ReplicaLeaves_ItsShardsAreTakenWithinAPeriodAndTheRestRebalance()
    {
        var a = Start("a", shards: 5);
        Start("b", shards: 5);
        Start("c", shards: 5);
        await SettleAsync(() => Balanced(5) && Shares() == "a=2 b=2 c=1", "5 on 3 settle at 2, 2, 1");
        await ShouldStayPutAsync();

        await a.StopAsync(crash: false);
        var periods = await PeriodsUntilAsync(() => LedShards(5) == 5, "a's two shards are taken by b and c");
        periods.ShouldBeLessThanOrEqualTo(2, "nobody stands by at its share: the others campaign once they list the replicas again");

        await SettleAsync(() => Balanced(5) && Shares() == "b=3 c=2", "b and c settle at 3, 2");
        await ShouldStayPutAsync();
        _target.Log.ShouldNotContain(e => e.Op == "delete");
    }

    [Fact]
    public async Task RunAsync_ReplicaRankedFirstCrashes_ItsShardsAreTakenOnceItsLeaseExpires()
    {
        var a = Start("a");
        Start("b");
        Start("c");
        await SettleAsync(() => Balanced(4) && Shares() == "a=2 b=1 c=1", "4 on 3 settle at 2, 1, 1");

        await a.StopAsync(crash: true);
        var periods = await PeriodsUntilAsync(() => LedShards(4) == 4, "b and c take a's shards");
        periods.ShouldBeLessThanOrEqualTo((15 / Period) + 2, "the lease duration, then one listing");

        await SettleAsync(() => Balanced(4) && Shares() == "b=2 c=2", "b moves to rank 0 and both lead 2");
        await ShouldStayPutAsync();
    }

    [Fact]
    public async Task RunAsync_ReplicasJoin_SurplusSteppedDownAndSettlesWithinOneOfEven()
    {
        Start("b", shards: 7);
        Start("c", shards: 7);
        await SettleAsync(() => Balanced(7) && Shares() == "b=4 c=3", "7 on 2 settle at 4, 3");

        Start("a", shards: 7);
        await SettleAsync(() => Balanced(7) && Shares() == "a=3 b=2 c=2", "a joins first in rank: b and c step down to 2");
        await ShouldStayPutAsync();

        Start("d", shards: 7);
        await SettleAsync(() => Balanced(7) && Shares() == "a=2 b=2 c=2 d=1", "d joins last: a steps down one");
        await ShouldStayPutAsync();
        await UntilAsync(Mirrored, "the target holds every service");
        _target.Log.ShouldNotContain(e => e.Op == "delete");
    }

    [Fact]
    public async Task RunAsync_TwoShardsThreeReplicas_OneIsIdleAndStandsByInBoth()
    {
        Start("a", shards: 2);
        Start("b", shards: 2);
        Start("c", shards: 2);

        await SettleAsync(() => Balanced(2) && Live.Count(static r => r.Coordinator.LeadingShards.Count == 1) == 2, "two replicas lead one shard each");

        var idle = Live.Single(static r => r.Coordinator.LeadingShards.Count == 0);
        idle.Coordinator.CampaigningShards.ShouldBe([0, 1], "with fewer shards than replicas, the idle one stands by in every election");
        await ShouldStayPutAsync();
    }

    /// <summary>Waits (a period between polls) until <paramref name="condition"/> holds; a timeout names every replica's state.</summary>
    private async Task SettleAsync(Func<bool> condition, string because)
    {
        try
        {
            await UntilAsync(condition, because);
        }
        catch (ShouldAssertException ex)
        {
            var state = string.Join("; ", Live.Select(static r =>
                $"{r.Name} leads [{string.Join(',', r.Coordinator.LeadingShards)}] campaigns [{string.Join(',', r.Coordinator.CampaigningShards)}] share {r.Coordinator.FairShare} rank {r.Coordinator.Rank} of {r.Coordinator.Replicas}"));
            throw new ShouldAssertException($"{ex.Message} ({state})", ex);
        }
    }

    /// <summary>The shards each live replica leads, as <c>a=2 b=1</c>.</summary>
    private string Shares() => string.Join(' ', Live.OrderBy(static r => r.Name, StringComparer.Ordinal).Select(static r => $"{r.Name}={r.Coordinator.LeadingShards.Count}"));

    private int LedShards(int shards) =>
        Enumerable.Range(0, shards).Count(s => _store.LeaderOf(SyncElectionOptions.ElectionName("mesh-sync", s, shards)) is { } leader && Live.Any(r => r.Name == leader));

    /// <summary>
    /// Advances the clock one retry period and waits until every live replica listed the replicas again, which it does
    /// only after it balanced for the period before.
    /// </summary>
    private async Task PeriodAsync()
    {
        var live = Live;
        var before = live.Select(static r => r.Election.Counts).ToArray();
        _time.Advance(TimeSpan.FromSeconds(Period));
        await Poll.UntilAsync(() => live.Select((r, i) => r.Election.Counts > before[i]).All(static listed => listed), "every replica balances in the period");
    }

    /// <summary>Steps the clock period by period until <paramref name="condition"/> holds; returns how many periods it took.</summary>
    private async Task<int> PeriodsUntilAsync(Func<bool> condition, string because, int most = 30)
    {
        for (var periods = 0; periods <= most; periods++)
        {
            if (condition())
            {
                return periods;
            }

            await PeriodAsync();
        }

        throw new ShouldAssertException($"not within {most} periods: {because}");
    }

    /// <summary>Once settled, ten periods (longer than the settle period) change no leadership anywhere: no oscillation.</summary>
    private async Task ShouldStayPutAsync()
    {
        var changes = Live.Sum(static r => r.Changes);
        var terms = _store.Terms;
        var shares = Shares();

        // The eleventh listing comes after the tenth period's balancing, so a step-down in any of the ten would be seen.
        for (var period = 0; period < 11; period++)
        {
            await PeriodAsync();
        }

        Live.Sum(static r => r.Changes).ShouldBe(changes, "no leadership changes once settled");
        _store.Terms.ShouldBe(terms, "no new terms once settled");
        Shares().ShouldBe(shares);
    }
}
