using Registry.Adapters.Backends;
using Shouldly;
using Xunit;

namespace Registry.Adapters.Tests.Backends;

public sealed class SecretScrubberTests
{
    [Fact]
    public void Scrub_RegisteredToken_Masked()
    {
        var token = "tok-" + Guid.NewGuid().ToString("N");
        SecretScrubber.Register(token);
        SecretScrubber.Scrub($"Unauthorized: token \"{token}\" is expired").ShouldBe("Unauthorized: token \"***\" is expired");
    }

    [Fact]
    public void ScrubPrintable_SecretCutByTheBound_NoPartOfItShown()
    {
        var token = "tok-" + Guid.NewGuid().ToString("N");
        SecretScrubber.Register(token);
        var text = new string('x', 50) + token + "\u0007 tail";

        var shown = SecretScrubber.ScrubPrintable(text, 60);

        shown.ShouldBe(new string('x', 50) + "***\\u0007 …");
        shown.ShouldNotContain(token[..8]);
    }

    [Fact]
    public void Scrub_BasicAuthFromUrl_EveryFormMasked()
    {
        var password = "pw-" + Guid.NewGuid().ToString("N")[..12];
        SecretScrubber.RegisterUserInfo(new Uri($"http://eureka-user:{password}@eureka.local/eureka/"));
        var basic = Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes($"eureka-user:{password}"));

        var scrubbed = SecretScrubber.Scrub($"rejected {basic} for eureka-user:{password}; password={password}");

        scrubbed.ShouldNotContain(password);
        scrubbed.ShouldNotContain(basic);
        scrubbed.ShouldContain("password=***");
    }

    [Fact]
    public void Scrub_UnregisteredBearerAndUrlUserInfo_Masked()
    {
        SecretScrubber.Scrub("proxy said: Authorization: Bearer eyJhbGciOiJSUzI1NiJ9.abc.def denied at https://u:p@host:8500/v1")
            .ShouldBe("proxy said: Authorization: Bearer *** denied at https://***@host:8500/v1");
    }

    [Fact]
    public void RegisterFileContents_KeyFile_WholeAndLinesMasked()
    {
        var path = Path.GetTempFileName();
        try
        {
            var line = "MIIEvQIBADANBgkqhkiG9w0BAQEFAASC" + Guid.NewGuid().ToString("N");
            File.WriteAllText(path, $"-----BEGIN PRIVATE KEY-----\n{line}\n-----END PRIVATE KEY-----\n");
            SecretScrubber.RegisterFileContents(path);
            SecretScrubber.Scrub($"echo: {line}").ShouldBe("echo: ***");
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Register_ShortOrBlank_Ignored()
    {
        SecretScrubber.Register("abc");
        SecretScrubber.Register("   ");
        SecretScrubber.Register(null);
        SecretScrubber.Scrub("abc def").ShouldBe("abc def");
    }
}
