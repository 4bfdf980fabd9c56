using Registry.Adapters.Consul.Tests.Fake;
using Registry.Adapters.Testing;
using Shouldly;
using Xunit;

namespace Registry.Adapters.Consul.Tests;

/// <summary>TLS against the fake on HTTPS: a private CA (<c>CaFile</c>) and mutual TLS, as Cloud Foundry's agents require.</summary>
public sealed class ConsulTlsTests : IDisposable
{
    private readonly TestCertificates _certificates = TestCertificates.Create("CN=agent.dc1.cf.internal");

    public void Dispose() => _certificates.Dispose();

    [Fact]
    public async Task ReadAsync_AgentCertificateFromCaFile_IsTrusted()
    {
        using var certificate = _certificates.LoadServerCertificate();
        await using var fake = await FakeConsulServer.StartAsync(serverCertificate: certificate);
        fake.PutService("n1", "10.5.0.1", new FakeServiceSpec("uaa-0", "uaa") { Port = 8443 });
        await using var registry = ConsulTestSupport.CreateRegistry(fake, o => o.CaFile = _certificates.CaFile);

        var snapshot = await registry.ReadAsync();

        snapshot.Services["uaa"].Single().Host.ShouldBe("10.5.0.1");
    }

    [Fact]
    public async Task ReadAsync_UnknownCa_IsRejected()
    {
        using var certificate = _certificates.LoadServerCertificate();
        await using var fake = await FakeConsulServer.StartAsync(serverCertificate: certificate);
        await using var registry = ConsulTestSupport.CreateRegistry(fake, o => o.CaFile = _certificates.OtherCaFile);

        await Should.ThrowAsync<RegistryException>(() => registry.ReadAsync());
    }

    [Fact]
    public async Task ReadAsync_ClientCertificate_IsPresented()
    {
        using var certificate = _certificates.LoadServerCertificate();
        await using var fake = await FakeConsulServer.StartAsync(serverCertificate: certificate, requireClientCertificate: true);
        fake.PutService("n1", "10.5.0.1", new FakeServiceSpec("uaa-0", "uaa") { Port = 8443 });
        await using var registry = ConsulTestSupport.CreateRegistry(fake, o =>
        {
            o.CaFile = _certificates.CaFile;
            o.ClientCertificateFile = _certificates.ClientCertFile;
            o.ClientKeyFile = _certificates.ClientKeyFile;
        });

        (await registry.ReadAsync()).Services.ShouldContainKey("uaa");

        fake.LastClientCertificateSubject.ShouldBe("CN=agent.dc1.cf.internal");
    }
}
