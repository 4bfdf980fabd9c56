using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Registry.Adapters.Backends;
using Registry.Adapters.Testing;
using Shouldly;
using Xunit;

namespace Registry.Adapters.Tests.Backends;

public sealed class ReconnectOptionsTests
{
    [Fact]
    public void CreateBackoff_NoJitter_DoublesFromInitialUpToMaxAndResets()
    {
        var backoff = new ReconnectOptions { InitialDelay = TimeSpan.FromMilliseconds(100), MaxDelay = TimeSpan.FromMilliseconds(500), Jitter = 0 }.CreateBackoff();

        var delays = Enumerable.Range(0, 5).Select(_ => backoff.NextDelay().TotalMilliseconds).ToArray();
        backoff.Reset();

        delays.ShouldBe([100, 200, 400, 500, 500]);
        backoff.NextDelay().ShouldBe(TimeSpan.FromMilliseconds(100));
    }

    [Theory]
    [InlineData(1.0, 0.0)]
    [InlineData(0.5, 0.5)]
    [InlineData(0.25, 0.75)]
    public void CreateBackoff_Jitter_DrawsBetweenItsShareBelowTheCapAndTheCap(double jitter, double lowest)
    {
        var options = new ReconnectOptions { InitialDelay = TimeSpan.FromSeconds(1), MaxDelay = TimeSpan.FromSeconds(1), Jitter = jitter };
        var backoff = options.CreateBackoff(new Random(7));

        var delays = Enumerable.Range(0, 200).Select(_ => backoff.NextDelay().TotalSeconds).ToArray();

        delays.ShouldAllBe(d => d >= lowest - 1e-6 && d <= 1.0);
        (delays.Max() - delays.Min()).ShouldBeGreaterThan((1 - lowest) * 0.8, "the delays spread over the jitter's share");
    }

    [Fact]
    public void Validate_OutOfRange_OneMessagePerSettingNamingIt()
    {
        var errors = new List<string>();

        new ReconnectOptions { InitialDelay = TimeSpan.Zero, MaxDelay = TimeSpan.FromDays(2), Jitter = -1 }.Validate("Mesh:Registries:0:Reconnect", errors);

        errors.Count.ShouldBe(3);
        errors.ShouldContain(e => e.StartsWith("Mesh:Registries:0:Reconnect:InitialDelay is 00:00:00;", StringComparison.Ordinal));
        errors.ShouldContain(e => e.StartsWith("Mesh:Registries:0:Reconnect:MaxDelay is 2.00:00:00;", StringComparison.Ordinal));
        errors.ShouldContain(e => e.StartsWith("Mesh:Registries:0:Reconnect:Jitter is -1;", StringComparison.Ordinal));
    }
}

public sealed class PemTlsTests : IDisposable
{
    private readonly TestCertificates _certificates = TestCertificates.Create();
    private readonly X509Certificate2 _leaf;
    private readonly X509Certificate2 _strangerLeaf;

    public PemTlsTests()
    {
        // The server certificate (issued by the test CA for 127.0.0.1), and a certificate of another CA.
        _leaf = X509Certificate2.CreateFromPem(File.ReadAllText(_certificates.ServerCertFile));
        _strangerLeaf = X509Certificate2.CreateFromPem(File.ReadAllText(_certificates.OtherCaFile));
        File.WriteAllText(NotPemFile, "not a certificate");
    }

    private string CaFile => _certificates.CaFile;

    private string CertFile => _certificates.ClientCertFile;

    private string KeyFile => _certificates.ClientKeyFile;

    private string NotPemFile => Path.Combine(_certificates.Directory, "notes.txt");

    [Fact]
    public void Validate_GoodFiles_NoErrors()
    {
        var errors = new List<string>();

        PemTls.Validate(CaFile, CertFile, KeyFile, "Mesh:Registries:0", errors);

        errors.ShouldBeEmpty();
    }

    [Fact]
    public void Validate_BadFiles_EachNamedWithTheFix()
    {
        var errors = new List<string>();

        PemTls.Validate(NotPemFile, CertFile, CaFile, "Mesh:Registries:0", errors);
        PemTls.Validate(null, CertFile, null, "AddEtcd(\"e\")", errors);

        errors.ShouldContain(e => e.StartsWith($"Mesh:Registries:0:CaFile '{NotPemFile}' holds no PEM certificate", StringComparison.Ordinal));
        errors.ShouldContain(e => e.StartsWith("Mesh:Registries:0:ClientCertificateFile '", StringComparison.Ordinal) && e.Contains("are not a PEM certificate and its private key", StringComparison.Ordinal));
        errors.ShouldContain("AddEtcd(\"e\"):ClientCertificateFile and AddEtcd(\"e\"):ClientKeyFile go together; set both, or neither.");
        errors.Count.ShouldBe(3, string.Join(" | ", errors));
    }

    [Fact]
    public void Load_ServerCheck_AcceptsOnlyCertificatesOfTheCaForTheRightName()
    {
        using var tls = PemTls.Load(CaFile, CertFile, KeyFile).ShouldNotBeNull();

        tls.ClientCertificate.ShouldNotBeNull().HasPrivateKey.ShouldBeTrue();
        tls.ValidateServerCertificate(this, _leaf, null, SslPolicyErrors.RemoteCertificateChainErrors).ShouldBeTrue("signed by the configured CA, not by a system root");
        tls.ValidateServerCertificate(this, _strangerLeaf, null, SslPolicyErrors.RemoteCertificateChainErrors).ShouldBeFalse("signed by another CA");
        tls.ValidateServerCertificate(this, _leaf, null, SslPolicyErrors.RemoteCertificateNameMismatch).ShouldBeFalse("issued for another name");
        tls.ValidateServerCertificate(this, null, null, SslPolicyErrors.RemoteCertificateNotAvailable).ShouldBeFalse();
        var ssl = new SslClientAuthenticationOptions();
        tls.ApplyTo(ssl);
        ssl.ClientCertificates.ShouldNotBeNull().Count.ShouldBe(1);
        ssl.RemoteCertificateValidationCallback.ShouldNotBeNull();
    }

    [Fact]
    public void Load_KeyFile_ItsContentIsScrubbedFromText()
    {
        using var tls = PemTls.Load(null, CertFile, KeyFile);
        var keyLine = File.ReadAllLines(KeyFile).First(l => l.Length >= 16 && !l.StartsWith("-----", StringComparison.Ordinal));

        SecretScrubber.Scrub($"server said: {keyLine}").ShouldNotContain(keyLine);
    }

    [Fact]
    public void Load_NothingSet_IsNull() => PemTls.Load(null, " ", null).ShouldBeNull();

    public void Dispose()
    {
        _leaf.Dispose();
        _strangerLeaf.Dispose();
        _certificates.Dispose();
    }
}
