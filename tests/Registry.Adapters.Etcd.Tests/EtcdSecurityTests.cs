using Etcdserverpb;
using Registry.Adapters.Testing;
using Shouldly;
using Xunit;
using static Registry.Adapters.Etcd.Tests.EtcdTestData;

namespace Registry.Adapters.Etcd.Tests;

/// <summary>etcd with client-certificate TLS, and etcd with authentication enabled; each on its own server.</summary>
public sealed class EtcdSecurityTests
{
    private const string Password = "s3cr3t-Pa55word-never-shown";
    private readonly string _prefix = EtcdServerFixture.UniquePrefix("security");

    [Fact]
    public async Task Watch_TlsWithClientCertificate_ReadsAndRegisters()
    {
        using var certificates = TestCertificates.Create(EtcdTestCertificates.ClientSubject);
        await using var server = await EtcdServer.StartAsync(certificates.ServerTls());
        var options = Options(server.ClientUrl, _prefix, o =>
        {
            o.CaFile = certificates.CaFile;
            o.ClientCertificateFile = certificates.ClientCertFile;
            o.ClientKeyFile = certificates.ClientKeyFile;
        });
        server.ClientUrl.ShouldStartWith("https://");

        await using var registration = await EtcdRegistryFactory.CreateRegistrar("etcd", options).RegisterAsync(Instance("orders", 1));
        await using var registry = EtcdRegistryFactory.CreateRegistry("etcd", options);
        await using var recorder = new WatchRecorder(registry);

        await recorder.WaitForViewAsync(v => v.ContainsKey("orders"), Wait, "orders over TLS");
        (await registry.ReadAsync()).Services["orders"].ShouldHaveSingleItem().ShouldBe(Instance("orders", 1));
    }

    [Fact]
    public async Task ReadAsync_TlsWithoutClientCertificateOrWithWrongCa_FailsClearly()
    {
        using var certificates = TestCertificates.Create(EtcdTestCertificates.ClientSubject);
        await using var server = await EtcdServer.StartAsync(certificates.ServerTls());

        var noClientCertificate = EtcdRegistryFactory.CreateRegistry("etcd", Options(server.ClientUrl, _prefix, o => o.CaFile = certificates.CaFile));
        var wrongCa = EtcdRegistryFactory.CreateRegistry("etcd", Options(server.ClientUrl, _prefix, o =>
        {
            o.CaFile = certificates.OtherCaFile;
            o.ClientCertificateFile = certificates.ClientCertFile;
            o.ClientKeyFile = certificates.ClientKeyFile;
        }));

        (await Should.ThrowAsync<RegistryException>(() => noClientCertificate.ReadAsync())).Message.ShouldContain(server.ClientUrl);
        (await Should.ThrowAsync<RegistryException>(() => wrongCa.ReadAsync())).Message.ShouldContain(server.ClientUrl);
    }

    [Fact]
    public async Task Watch_AuthEnabled_RightCredentialsWork_WrongOnesFailWithoutLeakingThePassword()
    {
        await using var server = await EtcdServer.StartAsync();
        using (var admin = await EtcdTestClient.ConnectAsync(server))
        {
            await admin.PutAsync($"{_prefix}orders/orders-1", MeshJson(Instance("orders", 1)));
            await admin.Connection.Auth.UserAddAsync(new AuthUserAddRequest { Name = "root", Password = Password });
            await admin.Connection.Auth.UserGrantRoleAsync(new AuthUserGrantRoleRequest { User = "root", Role = "root" });
            await admin.Connection.Auth.AuthEnableAsync(new AuthEnableRequest());
        }

        var logs = new CapturingLoggerFactory();
        var good = Options(server.ClientUrl, _prefix, o => (o.Username, o.Password) = ("root", Password));
        await using (var registry = EtcdRegistryFactory.CreateRegistry("etcd", good, logs))
        await using (var recorder = new WatchRecorder(registry))
        {
            await recorder.WaitForViewAsync(v => v.ContainsKey("orders"), Wait, "orders with the right credentials");
            await using var registration = await EtcdRegistryFactory.CreateRegistrar("etcd", good, logs).RegisterAsync(Instance("billing", 2));
            await recorder.WaitForViewAsync(v => v.ContainsKey("billing"), Wait, "a registration with the right credentials");
        }

        var wrongPassword = Password + "-wrong";
        var bad = Options(server.ClientUrl, _prefix, o => (o.Username, o.Password) = ("root", wrongPassword));
        await using var badRegistry = EtcdRegistryFactory.CreateRegistry("etcd", bad, logs);
        await using var badRecorder = new WatchRecorder(badRegistry);
        var failed = await badRecorder.WaitForEventAsync<RegistryStateEvent>(s => s.State == RegistryConnectionState.Failed, Wait, "a failed state");
        failed.Error.ShouldNotBeNull();
        failed.Error.ShouldContain("authentication failed");
        failed.Error.ShouldContain("root");
        failed.RetryIn.ShouldNotBeNull();
        var read = await Should.ThrowAsync<RegistryException>(() => badRegistry.ReadAsync());
        read.IsPermanent.ShouldBeTrue();
        await Should.ThrowAsync<RegistryException>(() => EtcdRegistryFactory.CreateRegistrar("etcd", bad, logs).RegisterAsync(Instance("x", 3)));

        badRecorder.Completed.ShouldBeFalse("a watch never ends on a fault");
        var texts = badRecorder.Events.Select(WatchRecorder.Describe).Append(read.ToString()).Concat(logs.Lines).ToList();
        texts.ShouldNotBeEmpty();
        texts.ShouldAllBe(t => !t.Contains(Password, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Registration_AuthTokenExpires_ReAuthenticatesAndKeepsWorking()
    {
        await using var server = await EtcdServer.StartAsync(null, "--auth-token-ttl", "1");
        using (var admin = await EtcdTestClient.ConnectAsync(server))
        {
            await admin.Connection.Auth.UserAddAsync(new AuthUserAddRequest { Name = "root", Password = Password });
            await admin.Connection.Auth.UserGrantRoleAsync(new AuthUserGrantRoleRequest { User = "root", Role = "root" });
            await admin.Connection.Auth.AuthEnableAsync(new AuthEnableRequest());
        }

        var options = Options(server.ClientUrl, _prefix, o => (o.Username, o.Password, o.LeaseTtl) = ("root", Password, TimeSpan.FromSeconds(30)));
        await using var registration = await EtcdRegistryFactory.CreateRegistrar("etcd", options).RegisterAsync(Instance("orders", 1));

        // The simple token expires after 1 s without use (the keep-alive runs every 10 s): the put must re-authenticate.
        await Task.Delay(TimeSpan.FromSeconds(3));
        await registration.SetHealthAsync(HealthStatus.Draining);

        await using var registry = EtcdRegistryFactory.CreateRegistry("etcd", options);
        (await registry.ReadAsync()).Services["orders"].ShouldHaveSingleItem().Health.ShouldBe(HealthStatus.Draining);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task ReadAsync_ProxyQuotesPasswordTokenAndClientKey_EveryErrorMasksThem(bool rejectAuthenticate)
    {
        using var certificates = TestCertificates.Create(EtcdTestCertificates.ClientSubject);
        var keyLine = File.ReadAllLines(certificates.ClientKeyFile).First(l => l.Length >= 16 && !l.StartsWith("-----", StringComparison.Ordinal));
        await using var proxy = await EchoingEtcdProxy.StartAsync();
        proxy.RejectAuthenticate = rejectAuthenticate;
        proxy.EchoText = $"client key line {keyLine}";
        var logs = new CapturingLoggerFactory();
        var options = Options(proxy.Url, _prefix, o =>
        {
            (o.Username, o.Password) = ("root", Password);
            (o.ClientCertificateFile, o.ClientKeyFile) = (certificates.ClientCertFile, certificates.ClientKeyFile);
        });
        await using var registry = EtcdRegistryFactory.CreateRegistry("etcd", options, logs);

        var read = await Should.ThrowAsync<RegistryException>(() => registry.ReadAsync());
        await using var recorder = new WatchRecorder(registry);
        var failed = await recorder.WaitForEventAsync<RegistryStateEvent>(s => s.Error is not null, Wait, "the watch reports the denial");

        read.Message.ShouldContain(rejectAuthenticate ? "password '***'" : "permission denied for token '***' (the password was '***')");
        var texts = new[] { read.Message, failed.Error! }.Concat(logs.Lines).ToList();
        foreach (var secret in new[] { Password, proxy.Token, keyLine })
        {
            texts.ShouldAllBe(t => !t.Contains(secret, StringComparison.Ordinal), $"a secret reached an error or log: {secret[..8]}...");
        }
    }
}
