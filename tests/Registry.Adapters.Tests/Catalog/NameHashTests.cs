using Shouldly;
using Xunit;

namespace Registry.Adapters.Tests.Catalog;

public sealed class NameHashTests
{
    [Theory]
    [InlineData("orders", "ORDERS")]
    [InlineData("a", "A")]
    [InlineData("payments-EU-1", "PAYMENTS-eu-1")]
    [InlineData("svc.ns.cluster.local", "SVC.NS.Cluster.Local")]
    [InlineData("straße-é", "STRASSE-É")]
    [InlineData("ünïcode", "ÜNÏCODE")]
    [InlineData("", "")]
    public void Of_OrdinalIgnoreCaseEqualNames_SameHash(string a, string b)
    {
        if (string.Equals(a, b, StringComparison.OrdinalIgnoreCase))
        {
            NameHash.Of(a).ShouldBe(NameHash.Of(b));
        }
        else
        {
            // "ß" does not equal "SS" under OrdinalIgnoreCase: lengths differ; nothing to assert about the hashes.
            a.Length.ShouldNotBe(b.Length);
        }
    }

    [Fact]
    public void Of_RandomCaseVariants_SameHash()
    {
        var random = new Random(3);
        const string alphabet = "abcdefghijklmnopqrstuvwxyz0123456789-._:@[`{éÉñÑ";
        for (var i = 0; i < 5_000; i++)
        {
            var chars = new char[random.Next(0, 40)];
            for (var c = 0; c < chars.Length; c++)
            {
                chars[c] = alphabet[random.Next(alphabet.Length)];
            }

            var name = new string(chars);
            var variant = new string([.. name.Select(ch => random.Next(2) == 0 ? char.ToUpperInvariant(ch) : ch)]);
            if (string.Equals(name, variant, StringComparison.OrdinalIgnoreCase))
            {
                NameHash.Of(variant).ShouldBe(NameHash.Of(name), $"'{name}' vs '{variant}'");
            }
        }
    }

    [Fact]
    public void Of_DistinctNames_SpreadOverBuckets()
    {
        var buckets = new int[32];
        for (var i = 0; i < 32_000; i++)
        {
            buckets[NameHash.Of($"service-{i:D6}") & 31]++;
        }

        buckets.ShouldAllBe(static count => count > 800 && count < 1200);
    }
}
