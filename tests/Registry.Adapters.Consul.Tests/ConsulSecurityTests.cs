using Microsoft.Extensions.Logging;
using Registry.Adapters.Consul.Tests.Fake;
using Registry.Adapters.Testing;
using Shouldly;
using Xunit;

namespace Registry.Adapters.Consul.Tests;

public sealed class ConsulSecurityTests : IAsyncLifetime
{
    private const string Secret = "0f6c1d2e-secret-acl-token-77";
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(15);
    private readonly CapturingLoggerProvider _logs = new();
    private ILoggerFactory _loggerFactory = null!;
    private FakeConsulServer _fake = null!;

    public async Task InitializeAsync()
    {
        _fake = await FakeConsulServer.StartAsync(aclToken: Secret);
        _loggerFactory = LoggerFactory.Create(b => b.AddProvider(_logs).SetMinimumLevel(LogLevel.Trace));
    }

    public async Task DisposeAsync()
    {
        await _fake.DisposeAsync();
        _loggerFactory.Dispose();
    }

    private static ServiceInstance Web(int n) => new()
    {
        Service = "web",
        Id = $"web-{n}",
        Host = $"10.2.0.{n}",
        Ports = [new ServicePort("http", 8080, "http")],
    };

    [Fact]
    public async Task Watch_WithToken_SendsItOnlyInTheHeader()
    {
        ConsulTestSupport.Put(_fake, Web(1));
        await using var registry = ConsulTestSupport.CreateRegistry(_fake, o => o.Token = Secret, _loggerFactory);
        await using var recorder = new WatchRecorder(registry);

        await recorder.WaitForViewAsync(v => v.ContainsKey("web"), Timeout, "web, authorised");

        _fake.Requests.ShouldNotBeEmpty();
        _fake.Requests.ShouldAllBe(r => r.HadTokenHeader && !r.HadTokenInQuery, "the token travels in X-Consul-Token, never in the URL");
        _fake.Requests.ShouldAllBe(r => !r.Query.Contains(Secret));
        AssertNoSecret(recorder);
    }

    [Fact]
    public async Task Watch_WrongToken_FailsWithAclNotFoundAndNoSecret()
    {
        const string wrong = "wrong-but-still-secret-token-9";
        ConsulTestSupport.Put(_fake, Web(1));
        await using var registry = ConsulTestSupport.CreateRegistry(_fake, o => o.Token = wrong, _loggerFactory);
        await using var recorder = new WatchRecorder(registry);

        var failed = await recorder.WaitForEventAsync<RegistryStateEvent>(s => s.State == RegistryConnectionState.Failed, Timeout, "a 403 is a failure retrying cannot cure");

        failed.Error.ShouldNotBeNull().ShouldContain("ACL not found");
        failed.Error.ShouldContain("403");
        var ex = await Should.ThrowAsync<RegistryException>(() => registry.ReadAsync());
        ex.IsPermanent.ShouldBeTrue();
        ex.ToString().ShouldNotContain(wrong);
        AssertNoSecret(recorder, wrong);
    }

    [Fact]
    public async Task Watch_NoToken_IsDenied()
    {
        ConsulTestSupport.Put(_fake, Web(1));
        await using var registry = ConsulTestSupport.CreateRegistry(_fake, null, _loggerFactory);

        var ex = await Should.ThrowAsync<RegistryException>(() => registry.ReadAsync());

        ex.Message.ShouldContain("Permission denied");
        _fake.Requests.ShouldAllBe(r => !r.HadTokenHeader);
    }

    [Fact]
    public async Task Watch_TokenFileRotated_PicksUpTheNewToken()
    {
        var file = Path.Combine(Path.GetTempPath(), $"consul-token-{Guid.NewGuid():N}");
        await File.WriteAllTextAsync(file, "stale-token-from-file\n");
        try
        {
            ConsulTestSupport.Put(_fake, Web(1));
            await using var registry = ConsulTestSupport.CreateRegistry(_fake, o =>
            {
                o.TokenFile = file;
                o.Token = "ignored-when-file-has-one";
            }, _loggerFactory);
            await using var recorder = new WatchRecorder(registry);
            await recorder.WaitForEventAsync<RegistryStateEvent>(s => s.State == RegistryConnectionState.Failed, Timeout, "the file's token is rejected");

            await File.WriteAllTextAsync(file, Secret + "\n");
            File.SetLastWriteTimeUtc(file, DateTime.UtcNow.AddSeconds(5));

            await recorder.WaitForViewAsync(v => v.ContainsKey("web"), Timeout, "the rotated token is read and works");
            _logs.Lines.ShouldContain(l => l.Contains(" 4020 "), "the reload is logged");
            AssertNoSecret(recorder, "stale-token-from-file");
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public async Task Registrar_WithToken_NeverLeaksIt()
    {
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider();
        using var registrar = ConsulTestSupport.CreateRegistrar(_fake, o => o.Token = Secret, _loggerFactory, time);

        var registration = await registrar.RegisterAsync(Web(1));
        await registration.SetHealthAsync(HealthStatus.Draining);
        await registration.DisposeAsync();

        _fake.Requests.ShouldAllBe(r => r.HadTokenHeader && !r.HadTokenInQuery);
        _logs.Lines.ShouldNotBeEmpty();
        _logs.Lines.ShouldAllBe(l => !l.Contains(Secret));
    }

    private void AssertNoSecret(WatchRecorder recorder, string? other = null)
    {
        _logs.Lines.ShouldNotBeEmpty();
        foreach (var line in _logs.Lines)
        {
            line.ShouldNotContain(Secret);
            if (other is not null)
            {
                line.ShouldNotContain(other);
            }
        }

        foreach (var e in recorder.Events)
        {
            var text = WatchRecorder.Describe(e) + e;
            text.ShouldNotContain(Secret);
            if (other is not null)
            {
                text.ShouldNotContain(other);
            }
        }
    }
}
