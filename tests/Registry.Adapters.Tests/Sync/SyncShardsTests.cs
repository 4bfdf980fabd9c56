using Registry.Adapters.Sync;
using Shouldly;
using Xunit;

namespace Registry.Adapters.Tests.Sync;

public sealed class SyncShardsTests
{
    [Theory]
    [InlineData("orders", 4, 0)]
    [InlineData("orders", 7, 1)]
    [InlineData("billing", 7, 3)]
    [InlineData("ß-ü", 4, 0)]
    [InlineData("orders-a", 4, 0)]
    [InlineData("orders-e", 4, 2)]
    public void Of_KnownNames_Fnv1aOfUtf8ModuloShards(string service, int shards, int expected)
    {
        // Values computed outside .NET (FNV-1a 32-bit of the UTF-8 bytes, then MurmurHash3's fmix32): the same in every process and on every platform.
        SyncShards.Of(service, shards).ShouldBe(expected);
    }

    [Fact]
    public void Of_OneShard_AlwaysZero()
    {
        SyncShards.Of("anything", 1).ShouldBe(0);
    }

    [Fact]
    public void Of_LongName_SameAsShortPathWouldGive()
    {
        var name = new string('a', 200) + "-é";
        var expected = 2166136261u;
        foreach (var b in System.Text.Encoding.UTF8.GetBytes(name))
        {
            expected = (expected ^ b) * 16777619u;
        }

        expected ^= expected >> 16;
        expected *= 0x85ebca6b;
        expected ^= expected >> 13;
        expected *= 0xc2b2ae35;
        expected ^= expected >> 16;

        SyncShards.Of(name, 13).ShouldBe((int)(expected % 13));
        SyncShards.Of(name + new string('z', 300), 13).ShouldBeInRange(0, 12);
    }

    [Fact]
    public void Of_ThousandServices_SpreadEvenlyOverFourShards()
    {
        var counts = new int[4];
        for (var i = 0; i < 1000; i++)
        {
            counts[SyncShards.Of($"service-{i}", 4)]++;
        }

        counts.ShouldAllBe(c => c >= 200 && c <= 300, string.Join(", ", counts));
    }

    [Fact]
    public void Of_BadArguments_Throw()
    {
        Should.Throw<ArgumentOutOfRangeException>(() => SyncShards.Of("orders", 0));
        Should.Throw<ArgumentNullException>(() => SyncShards.Of(null!, 4));
    }
}
