using Shouldly;
using Xunit;

namespace Registry.Adapters.Sync.Tests;

public sealed class HelperTests
{
    [Theory]
    [InlineData("connect to https://admin:s3cret@etcd.internal:2379 failed", "connect to https://***@etcd.internal:2379 failed")]
    [InlineData("http://token@consul:8500/v1", "http://***@consul:8500/v1")]
    [InlineData("no url here, user@example.com", "no url here, user@example.com")]
    [InlineData("https://host/path@v2", "https://host/path@v2")]
    [InlineData("GET https://u:p@ss@eureka:8761/eureka/apps failed", "GET https://***@eureka:8761/eureka/apps failed")]
    [InlineData("at http://a:b@c@host", "at http://***@host")]
    public void Redact_UrlUserInfo_Removed(string text, string expected) => Redaction.Redact(text).ShouldBe(expected);

    [Theory]
    [InlineData("10", 10_000)]
    [InlineData("2.5s", 2_500)]
    [InlineData("500ms", 500)]
    [InlineData("1m", 60_000)]
    [InlineData("00:00:03", 3_000)]
    public void Durations_Valid_Parsed(string text, int milliseconds)
    {
        Durations.TryParse(text, out var value).ShouldBeTrue();
        value.ShouldBe(TimeSpan.FromMilliseconds(milliseconds));
    }

    [Theory]
    [InlineData("")]
    [InlineData("soon")]
    [InlineData("-1")]
    [InlineData("0s")]
    public void Durations_Invalid_Rejected(string text) => Durations.TryParse(text, out _).ShouldBeFalse();
}
