using System.Net.Http.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Time.Testing;
using Registry.Adapters.Consul.Tests.Fake;
using Registry.Adapters.Testing;
using Shouldly;
using Xunit;

namespace Registry.Adapters.Consul.Tests;

public sealed class ConsulServiceRegistrarTests : IAsyncLifetime
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(15);
    private readonly FakeTimeProvider _time = new();
    private FakeConsulServer _fake = null!;

    public async Task InitializeAsync() => _fake = await FakeConsulServer.StartAsync(_time);

    public async Task DisposeAsync() => await _fake.DisposeAsync();

    private static ServiceInstance Web(int n = 1) => new()
    {
        Service = "web",
        Id = $"web-{n}",
        Host = $"10.3.0.{n}",
        Ports = [new ServicePort("http", 8443, "https")],
        Zone = "us-east-1a",
        Tags = ["v2"],
        Metadata = new Dictionary<string, string> { ["version"] = "2.3.1", ["app.owner"] = "team-a" },
    };

    [Fact]
    public async Task RegisterAsync_Ttl_RegistersServiceWithPassingTtlCheck()
    {
        using var registrar = ConsulTestSupport.CreateRegistrar(_fake, null, null, _time);

        await using var registration = await registrar.RegisterAsync(Web());

        var spec = _fake.GetAgentService("web-1").ShouldNotBeNull();
        spec.Name.ShouldBe("web");
        spec.Address.ShouldBe("10.3.0.1");
        spec.Port.ShouldBe(8443);
        spec.Tags.ShouldBe(["v2"]);
        spec.Meta["version"].ShouldBe("2.3.1");
        spec.Meta["zone"].ShouldBe("us-east-1a");
        spec.Meta["scheme"].ShouldBe("https");
        spec.Meta.ShouldNotContainKey("app.owner", "Consul rejects meta keys with dots; they are left out");
        _fake.GetCheck(FakeConsulServer.AgentNode, "service:web-1")!.Value.Status.ShouldBe("passing");
        var definition = _fake.GetCheckDefinition(FakeConsulServer.AgentNode, "service:web-1")!.Value;
        definition.Ttl.ShouldBe(TimeSpan.FromSeconds(15));
        definition.DeregisterCriticalServiceAfter.ShouldBe(TimeSpan.FromMinutes(5));
        _fake.Requests.ShouldContain(r => r.Path == "/v1/agent/service/register" && r.Method == "PUT" && r.Query.Contains("replace-existing-checks"));
    }

    [Fact]
    public async Task KeepAlive_EveryThirdOfTtl_KeepsCheckPassing()
    {
        using var registrar = ConsulTestSupport.CreateRegistrar(_fake, null, null, _time);
        await using var registration = await registrar.RegisterAsync(Web());

        for (var i = 1; i <= 9; i++)
        {
            var before = _fake.CountHandled("/v1/agent/check/update/");
            _time.Advance(TimeSpan.FromSeconds(5));
            await ConsulTestSupport.WaitUntilAsync(() => _fake.CountHandled("/v1/agent/check/update/") > before, $"beat {i}");
            _fake.GetCheck(FakeConsulServer.AgentNode, "service:web-1")!.Value.Status.ShouldBe("passing", $"after {i * 5} s");
        }

        _fake.CountHandled("/v1/agent/check/update/").ShouldBe(9, "one update per third of the TTL");
        registration.Reregistrations.ShouldBe(0);
    }

    [Fact]
    public async Task FakeAgent_TtlNotRefreshed_ExpiresCriticalAndReapsTheService()
    {
        using var http = new HttpClient { BaseAddress = _fake.Address };
        using var response = await http.PutAsJsonAsync("/v1/agent/service/register", new
        {
            Name = "batch",
            ID = "batch-1",
            Port = 9000,
            Check = new { TTL = "10s", Status = "passing", DeregisterCriticalServiceAfter = "1m" },
        });
        response.EnsureSuccessStatusCode();
        await using var registry = ConsulTestSupport.CreateRegistry(_fake);
        (await registry.ReadAsync()).Services["batch"].Single().Health.ShouldBe(HealthStatus.Healthy);

        _time.Advance(TimeSpan.FromSeconds(11));

        var check = _fake.GetCheck(FakeConsulServer.AgentNode, "service:batch-1")!.Value;
        check.Status.ShouldBe("critical");
        check.Output.ShouldStartWith("TTL expired");
        (await registry.ReadAsync()).Services["batch"].Single().Health.ShouldBe(HealthStatus.Unhealthy);

        _time.Advance(TimeSpan.FromMinutes(1));
        (await registry.ReadAsync()).Services.ShouldNotContainKey("batch", "DeregisterCriticalServiceAfter reaped it");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task KeepAlive_AgentLostService_Reregisters(bool legacyErrors)
    {
        _fake.LegacyCheckErrors = legacyErrors;
        using var registrar = ConsulTestSupport.CreateRegistrar(_fake, null, null, _time);
        await using var registration = await registrar.RegisterAsync(Web());

        _fake.ForgetAgentServices();
        _fake.AgentServiceIds().ShouldBeEmpty();
        _time.Advance(TimeSpan.FromSeconds(5));

        await ConsulTestSupport.WaitUntilAsync(() => registration.Reregistrations == 1, "re-registered after the agent lost it");
        _fake.AgentServiceIds().ShouldBe(["web-1"]);
        _fake.GetCheck(FakeConsulServer.AgentNode, "service:web-1")!.Value.Status.ShouldBe("passing");
    }

    [Fact]
    public async Task SetHealthAsync_Transitions_ShowInTheWatch()
    {
        await using var realFake = await FakeConsulServer.StartAsync();
        using var registrar = ConsulTestSupport.CreateRegistrar(realFake, null, null, _time);
        await using var registry = ConsulTestSupport.CreateRegistry(realFake);
        await using var recorder = new WatchRecorder(registry);
        var registration = await registrar.RegisterAsync(Web());

        await recorder.WaitForViewAsync(v => Health(v) == HealthStatus.Healthy, Timeout, "registered healthy");
        await registration.SetHealthAsync(HealthStatus.Unhealthy);
        await recorder.WaitForViewAsync(v => Health(v) == HealthStatus.Unhealthy, Timeout, "the TTL check failed");
        await registration.SetHealthAsync(HealthStatus.Draining);
        await recorder.WaitForViewAsync(v => Health(v) == HealthStatus.Draining, Timeout, "maintenance mode");
        realFake.GetCheck(FakeConsulServer.AgentNode, "_service_maintenance:web-1").ShouldNotBeNull();
        await registration.SetHealthAsync(HealthStatus.Healthy);
        await recorder.WaitForViewAsync(v => Health(v) == HealthStatus.Healthy, Timeout, "maintenance off, check passing");
        realFake.GetCheck(FakeConsulServer.AgentNode, "_service_maintenance:web-1").ShouldBeNull();

        await registration.DisposeAsync();
        await recorder.WaitForEventAsync<ServiceChangedEvent>(c => c.Service == "web" && c.Instances.Count == 0, Timeout, "deregistered on dispose");
        realFake.AgentServiceIds().ShouldBeEmpty();
        realFake.Requests.ShouldContain(r => r.Method == "PUT" && r.Path == "/v1/agent/service/deregister/web-1");

        static HealthStatus? Health(IReadOnlyDictionary<string, IReadOnlyList<ServiceInstance>> view) =>
            view.TryGetValue("web", out var list) && list.Count == 1 ? list[0].Health : null;
    }

    [Fact]
    public async Task RegisterAsync_Draining_RegistersInMaintenance()
    {
        using var registrar = ConsulTestSupport.CreateRegistrar(_fake, null, null, _time);

        await using var registration = await registrar.RegisterAsync(Web() with { Health = HealthStatus.Draining });

        _fake.GetCheck(FakeConsulServer.AgentNode, "_service_maintenance:web-1")!.Value.Status.ShouldBe("critical");
    }

    [Fact]
    public async Task HttpCheckMode_RegistersHttpCheckAndRefusesToFakeHealth()
    {
        using var registrar = ConsulTestSupport.CreateRegistrar(_fake, o => o.Registration.CheckMode = ConsulCheckMode.Http, null, _time);

        await using var registration = await registrar.RegisterAsync(Web());

        var definition = _fake.GetCheckDefinition(FakeConsulServer.AgentNode, "service:web-1")!.Value;
        definition.Type.ShouldBe("http");
        _fake.GetCheck(FakeConsulServer.AgentNode, "service:web-1")!.Value.Status.ShouldBe("critical", "Consul starts checks critical");
        await Should.ThrowAsync<InvalidOperationException>(() => registration.SetHealthAsync(HealthStatus.Unhealthy));
        await registration.SetHealthAsync(HealthStatus.Draining);
        _fake.GetCheck(FakeConsulServer.AgentNode, "_service_maintenance:web-1").ShouldNotBeNull();

        _fake.ForgetAgentServices();
        _time.Advance(TimeSpan.FromSeconds(5));
        await ConsulTestSupport.WaitUntilAsync(() => registration.Reregistrations == 1, "re-registered after a 404 look-up");
        _fake.GetCheck(FakeConsulServer.AgentNode, "_service_maintenance:web-1").ShouldNotBeNull("still draining after re-registration");
    }
}
