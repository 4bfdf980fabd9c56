using Registry.Adapters.Consul.Client;
using Shouldly;
using Xunit;

namespace Registry.Adapters.Consul.Tests;

public sealed class ConsulIndexTests
{
    [Theory]
    [InlineData(0UL, 4120UL, 4120UL)] // first read: block on what came back
    [InlineData(4120UL, 4120UL, 4120UL)] // wait timed out: same index
    [InlineData(4120UL, 4133UL, 4133UL)] // a change
    [InlineData(4133UL, 52UL, 0UL)] // went backwards (snapshot restore): reset, read at once
    [InlineData(0UL, 0UL, 1UL)] // a 0 index is clamped to 1, never sent as 0
    [InlineData(1UL, 0UL, 1UL)] // still 0: stay on 1, not a reset
    public void Next_FollowsConsulBlockingRules_ReturnsIndexToSend(ulong sent, ulong returned, ulong expected) =>
        ConsulIndex.Next(sent, returned).ShouldBe(expected);

    [Fact]
    public void WentBackwards_OnlyWhenLowerThanSent_IsTrue()
    {
        ConsulIndex.WentBackwards(4133, 52).ShouldBeTrue();
        ConsulIndex.WentBackwards(0, 52).ShouldBeFalse();
        ConsulIndex.WentBackwards(1, 0).ShouldBeFalse();
    }
}
