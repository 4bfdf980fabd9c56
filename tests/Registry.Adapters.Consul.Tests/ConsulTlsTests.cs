using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Registry.Adapters.Consul.Tests.Fake;
using Shouldly;
using Xunit;

namespace Registry.Adapters.Consul.Tests;

/// <summary>TLS against the fake on HTTPS: a private CA (<c>CaFile</c>) and mutual TLS, as Cloud Foundry's agents require.</summary>
public sealed class ConsulTlsTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("consul-tls-").FullName;
    private readonly X509Certificate2 _ca;
    private readonly RSA _caKey = RSA.Create(2048);

    public ConsulTlsTests()
    {
        var request = new CertificateRequest("CN=Test Consul CA", _caKey, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        _ca = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        File.WriteAllText(Path.Combine(_dir, "ca.pem"), _ca.ExportCertificatePem());
    }

    public void Dispose()
    {
        _ca.Dispose();
        _caKey.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    [Fact]
    public async Task ReadAsync_AgentCertificateFromCaFile_IsTrusted()
    {
        await using var fake = await FakeConsulServer.StartAsync(serverCertificate: Issue("CN=server.dc1.cf.internal", server: true));
        fake.PutService("n1", "10.5.0.1", new FakeServiceSpec("uaa-0", "uaa") { Port = 8443 });
        await using var registry = ConsulTestSupport.CreateRegistry(fake, o => o.CaFile = Path.Combine(_dir, "ca.pem"));

        var snapshot = await registry.ReadAsync();

        snapshot.Services["uaa"].Single().Host.ShouldBe("10.5.0.1");
    }

    [Fact]
    public async Task ReadAsync_UnknownCa_IsRejected()
    {
        await using var fake = await FakeConsulServer.StartAsync(serverCertificate: Issue("CN=server.dc1.cf.internal", server: true));
        using var otherKey = RSA.Create(2048);
        using var other = new CertificateRequest("CN=Other CA", otherKey, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1)
            .CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        var otherFile = Path.Combine(_dir, "other.pem");
        await File.WriteAllTextAsync(otherFile, other.ExportCertificatePem());
        await using var registry = ConsulTestSupport.CreateRegistry(fake, o => o.CaFile = otherFile);

        await Should.ThrowAsync<RegistryException>(() => registry.ReadAsync());
    }

    [Fact]
    public async Task ReadAsync_ClientCertificate_IsPresented()
    {
        await using var fake = await FakeConsulServer.StartAsync(serverCertificate: Issue("CN=server.dc1.cf.internal", server: true), requireClientCertificate: true);
        fake.PutService("n1", "10.5.0.1", new FakeServiceSpec("uaa-0", "uaa") { Port = 8443 });
        using var client = Issue("CN=agent.dc1.cf.internal", server: false);
        var certFile = Path.Combine(_dir, "agent.pem");
        var keyFile = Path.Combine(_dir, "agent.key");
        await File.WriteAllTextAsync(certFile, client.ExportCertificatePem());
        await File.WriteAllTextAsync(keyFile, client.GetRSAPrivateKey()!.ExportPkcs8PrivateKeyPem());
        await using var registry = ConsulTestSupport.CreateRegistry(fake, o =>
        {
            o.CaFile = Path.Combine(_dir, "ca.pem");
            o.ClientCertificateFile = certFile;
            o.ClientKeyFile = keyFile;
        });

        (await registry.ReadAsync()).Services.ShouldContainKey("uaa");

        fake.LastClientCertificateSubject.ShouldBe("CN=agent.dc1.cf.internal");
    }

    private X509Certificate2 Issue(string subject, bool server)
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        names.AddDnsName("localhost");
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new System.Security.Cryptography.Oid(server ? "1.3.6.1.5.5.7.3.1" : "1.3.6.1.5.5.7.3.2")], false));
        using var issued = request.Create(_ca, DateTimeOffset.UtcNow.AddHours(-1), DateTimeOffset.UtcNow.AddHours(12), RandomNumberGenerator.GetBytes(8));
        using var withKey = issued.CopyWithPrivateKey(key);
        // Round-trip through PKCS#12 so the key is usable by SslStream on every platform.
        return X509CertificateLoader.LoadPkcs12(withKey.Export(X509ContentType.Pkcs12), null);
    }
}
