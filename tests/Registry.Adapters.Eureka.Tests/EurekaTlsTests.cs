using Registry.Adapters.Testing;
using Shouldly;
using Xunit;

namespace Registry.Adapters.Eureka.Tests;

/// <summary>
/// HTTPS end to end against the fake: a private CA (<c>CaFile</c>), mutual TLS (<c>ClientCertificateFile</c>/<c>ClientKeyFile</c>),
/// basic auth inside TLS, for the reader and for the registrar's register and heartbeat.
/// </summary>
public sealed class EurekaTlsTests : IDisposable
{
    private readonly TestCertificates _certificates = TestCertificates.Create("CN=orders.apps.internal");

    public void Dispose() => _certificates.Dispose();

    private EurekaServiceRegistry CreateReader(FakeEurekaServer server, string? url = null, Action<EurekaRegistryOptions>? configure = null)
    {
        var options = new EurekaRegistryOptions { RequestTimeout = TimeSpan.FromSeconds(10), CaFile = _certificates.CaFile };
        options.ServiceUrls.Add(url ?? server.BaseUrl);
        configure?.Invoke(options);
        return new EurekaServiceRegistry("eureka", options);
    }

    private void MutualTls(EurekaRegistryOptions options)
    {
        options.ClientCertificateFile = _certificates.ClientCertFile;
        options.ClientKeyFile = _certificates.ClientKeyFile;
    }

    [Fact]
    public async Task ReadAsync_ServerCertificateFromCaFile_IsTrusted()
    {
        using var certificate = _certificates.LoadServerCertificate();
        await using var server = await FakeEurekaServer.StartAsync(serverCertificate: certificate);
        server.Register("ORDERS", FakeEurekaServer.InstanceJson("ORDERS", "orders-1", "10.0.0.1", 8080)).ShouldBeNull();
        server.BaseUrl.ShouldStartWith("https://");
        await using var registry = CreateReader(server);

        var snapshot = await registry.ReadAsync();

        snapshot.Services["ORDERS"].Single().Host.ShouldBe("10.0.0.1");
    }

    [Fact]
    public async Task ReadAsync_CertificateOfAnotherCa_IsRejectedWithAClearError()
    {
        using var certificate = _certificates.LoadServerCertificate();
        await using var server = await FakeEurekaServer.StartAsync(serverCertificate: certificate);
        await using var registry = CreateReader(server, configure: o => o.CaFile = _certificates.OtherCaFile);

        var error = await Should.ThrowAsync<RegistryException>(() => registry.ReadAsync());

        error.Message.ShouldContain("127.0.0.1");
        server.Requests.ShouldBeEmpty("no request may pass an untrusted handshake");
    }

    [Fact]
    public async Task ReadAsync_MutualTls_PresentsTheClientCertificate()
    {
        using var certificate = _certificates.LoadServerCertificate();
        await using var server = await FakeEurekaServer.StartAsync(serverCertificate: certificate, requireClientCertificate: true);
        server.Register("ORDERS", FakeEurekaServer.InstanceJson("ORDERS", "orders-1", "10.0.0.1", 8080)).ShouldBeNull();
        await using var registry = CreateReader(server, configure: MutualTls);

        (await registry.ReadAsync()).Services.ShouldContainKey("ORDERS");

        server.LastClientCertificateSubject.ShouldBe("CN=orders.apps.internal");
    }

    [Fact]
    public async Task ReadAsync_MutualTlsWithoutClientCertificate_FailsAndReachesNoHandler()
    {
        using var certificate = _certificates.LoadServerCertificate();
        await using var server = await FakeEurekaServer.StartAsync(serverCertificate: certificate, requireClientCertificate: true);
        await using var registry = CreateReader(server);

        await Should.ThrowAsync<RegistryException>(() => registry.ReadAsync());

        server.Requests.ShouldBeEmpty();
    }

    [Fact]
    public async Task RegisterAsync_OverMutualTlsWithBasicAuth_RegistersHeartbeatsAndKeepsThePasswordOutOfErrors()
    {
        var clock = new CountingTimeProvider();
        using var certificate = _certificates.LoadServerCertificate();
        await using var server = await FakeEurekaServer.StartAsync(clock, serverCertificate: certificate, requireClientCertificate: true);
        server.Credentials = ("eureka", "s3cret-over-tls");
        var options = new EurekaRegistryOptions { RenewalInterval = TimeSpan.FromSeconds(30), CaFile = _certificates.CaFile };
        MutualTls(options);
        options.ServiceUrls.Add(server.UrlWithCredentials("eureka", "s3cret-over-tls"));
        await using var registrar = new EurekaServiceRegistrar("eureka", options, clock);

        await using var registration = await registrar.RegisterAsync(new ServiceInstance
        {
            Service = "orders",
            Id = "orders-host:orders:8080",
            Host = "10.0.0.7",
            Ports = [new ServicePort("http", 8080, "http")],
        });

        server.GetInstance("ORDERS", "orders-host:orders:8080").ShouldNotBeNull();
        server.Requests.ShouldAllBe(r => r.Authorization != null && r.Authorization.StartsWith("Basic ", StringComparison.Ordinal));
        var heartbeats = server.CountRequests("PUT", "apps/ORDERS/orders-host:orders:8080");
        clock.Advance(options.RenewalInterval);
        await Wait.UntilAsync(() => server.CountRequests("PUT", "apps/ORDERS/orders-host:orders:8080") > heartbeats, "a heartbeat over TLS");

        // A wrong password over TLS: a clear 401 error that does not quote the configured password.
        var wrong = new EurekaRegistryOptions { RequestTimeout = TimeSpan.FromSeconds(10), CaFile = _certificates.CaFile };
        MutualTls(wrong);
        wrong.ServiceUrls.Add(server.UrlWithCredentials("eureka", "wrong-password-value"));
        await using var reader = new EurekaServiceRegistry("eureka", wrong);
        var error = await Should.ThrowAsync<RegistryException>(() => reader.ReadAsync());
        error.Message.ShouldContain("401");
        error.ToString().ShouldNotContain("wrong-password-value");
    }
}
