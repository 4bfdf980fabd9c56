using Microsoft.AspNetCore.Http;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Shouldly;
using Xunit;

namespace Registry.Adapters.Eureka.Tests;

/// <summary>Registration against the fake: register body, heartbeats on a fake clock, re-registration on 404, status overrides, deregistration.</summary>
public sealed class EurekaServiceRegistrarTests : IAsyncLifetime
{
    private static readonly TimeSpan Renewal = TimeSpan.FromSeconds(30);
    private readonly CountingTimeProvider _clock = new();
    private FakeEurekaServer _server = null!;

    public async Task InitializeAsync() => _server = await FakeEurekaServer.StartAsync(_clock);

    public async Task DisposeAsync() => await _server.DisposeAsync();

    private EurekaServiceRegistrar Create(string? url = null, CapturingLoggerProvider? logs = null)
    {
        var options = new EurekaRegistryOptions { RenewalInterval = Renewal };
        options.ServiceUrls.Add(url ?? _server.BaseUrl);
        return new EurekaServiceRegistrar("eureka", options, _clock, logs);
    }

    private static ServiceInstance Billing(HealthStatus health = HealthStatus.Healthy) => new()
    {
        Service = "billing",
        Id = "billing-host-d:billing:8080",
        Host = "10.30.1.24",
        Ports = [new ServicePort("http", 8080, "http"), new ServicePort("https", 8443, "https")],
        Health = health,
        Zone = "zone-b",
        Metadata = new Dictionary<string, string> { ["version"] = "2.4.0" },
    };

    /// <summary>Advances the clock one renewal interval and waits for the heartbeat it triggers to be answered.</summary>
    private async Task NextRenewalAsync()
    {
        var heartbeats = _server.CountRequests("PUT", "apps/BILLING/billing-host-d:billing:8080");
        _clock.Advance(Renewal);
        await Wait.UntilAsync(() => _server.CountRequests("PUT", "apps/BILLING/billing-host-d:billing:8080") > heartbeats, "the heartbeat of this interval");
    }

    [Fact]
    public async Task DisposeAsync_DuringSetHealthReregistration_InstanceIsGoneAfterward()
    {
        await using var registrar = Create();
        var registration = await registrar.RegisterAsync(Billing());
        var postArrived = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var releasePost = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _server.Intercept = async context =>
        {
            if (context.Request.Method == "POST")
            {
                postArrived.TrySetResult();
                await releasePost.Task;
            }

            return false;
        };

        // A status change is published by registering again (POST); hold that POST while the registration is disposed.
        var setHealth = registration.SetHealthAsync(HealthStatus.Unhealthy);
        await postArrived.Task.WaitAsync(TimeSpan.FromSeconds(20));
        var dispose = registration.DisposeAsync().AsTask();

        // Without ordering, the DELETE overtakes the held POST; give it the chance, then let the POST land.
        try
        {
            await Wait.UntilAsync(() => _server.Requests.Any(r => r.Method == "DELETE"), "a DELETE", TimeSpan.FromMilliseconds(500));
        }
        catch (Xunit.Sdk.XunitException)
        {
            // Expected with the fix: the DELETE waits for the POST.
        }

        releasePost.TrySetResult();
        await setHealth.WaitAsync(TimeSpan.FromSeconds(20));
        await dispose.WaitAsync(TimeSpan.FromSeconds(20));

        _server.GetInstance("BILLING", "billing-host-d:billing:8080").ShouldBeNull();
        await Should.ThrowAsync<ObjectDisposedException>(() => registration.SetHealthAsync(HealthStatus.Healthy));
    }

    [Fact]
    public async Task RegisterAsync_PostsEurekaInstance_ServerAnswers204()
    {
        await using var registrar = Create();

        await using var registration = await registrar.RegisterAsync(Billing());

        var stored = _server.GetInstance("BILLING", "billing-host-d:billing:8080").ShouldNotBeNull();
        stored["app"]!.ToString().ShouldBe("BILLING");
        stored["status"]!.ToString().ShouldBe("UP");
        stored["dataCenterInfo"]!["@class"]!.ToString().ShouldBe("com.netflix.appinfo.InstanceInfo$DefaultDataCenterInfo");
        stored["dataCenterInfo"]!["name"]!.ToString().ShouldBe("MyOwn");
        stored["port"]!["$"]!.GetValue<int>().ShouldBe(8080);
        stored["securePort"]!["@enabled"]!.ToString().ShouldBe("true");
        stored["metadata"]!["zone"]!.ToString().ShouldBe("zone-b");
        stored["metadata"]!["version"]!.ToString().ShouldBe("2.4.0");
        var post = _server.Requests.Single(r => r.Method == "POST");
        post.Path.ShouldBe("/eureka/apps/BILLING");
        registration.Instance.ShouldBe(Billing());
    }

    [Fact]
    public async Task Heartbeat_EveryRenewalInterval_RenewsTheLease()
    {
        await using var registrar = Create();
        await using var registration = await registrar.RegisterAsync(Billing());

        for (var i = 0; i < 3; i++)
        {
            await NextRenewalAsync();
        }

        await Wait.UntilAsync(() => _server.RenewalsOf("BILLING", "billing-host-d:billing:8080") == 3, "three renewals, one per interval");
        _server.Requests.Where(r => r.Method == "PUT").ShouldAllBe(r => r.Path == "/eureka/apps/BILLING/billing-host-d:billing:8080" && r.Query.Contains("status=UP") && r.Query.Contains("lastDirtyTimestamp="));
        registration.Reregistrations.ShouldBe(0);
    }

    [Fact]
    public async Task Heartbeat_404_RegistersAgain()
    {
        await using var registrar = Create();
        await using var registration = await registrar.RegisterAsync(Billing());

        _server.Cancel("BILLING", "billing-host-d:billing:8080").ShouldBeTrue();
        await NextRenewalAsync();

        await Wait.UntilAsync(() => registration.Reregistrations == 1, "registered again after the 404");
        _server.GetInstance("BILLING", "billing-host-d:billing:8080").ShouldNotBeNull();
        _server.Requests.Count(r => r.Method == "POST").ShouldBe(2);
    }

    [Fact]
    public async Task SetHealthAsync_DrainingThenHealthy_UsesStatusOverrideEndpoint()
    {
        await using var registrar = Create();
        await using var registration = await registrar.RegisterAsync(Billing());

        await registration.SetHealthAsync(HealthStatus.Draining);
        _server.GetInstance("BILLING", "billing-host-d:billing:8080")!["status"]!.ToString().ShouldBe("OUT_OF_SERVICE");
        _server.Requests.ShouldContain(r => r.Method == "PUT" && r.Path.EndsWith("/status") && r.Query == "?value=OUT_OF_SERVICE");
        registration.Instance.Health.ShouldBe(HealthStatus.Draining);

        await registration.SetHealthAsync(HealthStatus.Healthy);
        var stored = _server.GetInstance("BILLING", "billing-host-d:billing:8080")!;
        stored["status"]!.ToString().ShouldBe("UP");
        _server.Requests.ShouldContain(r => r.Method == "DELETE" && r.Path.EndsWith("/status") && r.Query == "?value=UP");
        _server.HashCode.ShouldBe("UP_1_");
    }

    [Fact]
    public async Task SetHealthAsync_Unhealthy_RegistersAgainWithDown()
    {
        await using var registrar = Create();
        await using var registration = await registrar.RegisterAsync(Billing());

        await registration.SetHealthAsync(HealthStatus.Unhealthy);

        _server.GetInstance("BILLING", "billing-host-d:billing:8080")!["status"]!.ToString().ShouldBe("DOWN");
        _server.HashCode.ShouldBe("DOWN_1_");
    }

    [Fact]
    public async Task RegisterAsync_ServerFails_ThrowsWithoutSecret()
    {
        _server.Credentials = ("eureka", "right");
        await using var registrar = Create(_server.UrlWithCredentials("eureka", "wrong-Pa55"));

        var error = await Should.ThrowAsync<RegistryException>(registrar.RegisterAsync(Billing()));

        error.Message.ShouldContain("401");
        error.Message.ShouldNotContain("wrong-Pa55");
        error.Message.ShouldNotContain(Convert.ToBase64String(Encoding.UTF8.GetBytes("eureka:wrong-Pa55")));
    }

    [Fact]
    public async Task Registration_SeenByDiscovery_WithSameIdentity()
    {
        await using var registrar = Create();
        await using var registration = await registrar.RegisterAsync(Billing());
        var options = new EurekaRegistryOptions();
        options.ServiceUrls.Add(_server.BaseUrl);
        await using var registry = new EurekaServiceRegistry("eureka", options, _clock);

        var snapshot = await registry.ReadAsync();

        var seen = snapshot.Services["BILLING"].ShouldHaveSingleItem();
        seen.Id.ShouldBe(Billing().Id);
        seen.Host.ShouldBe("10.30.1.24");
        seen.Ports.ShouldBe(Billing().Ports);
        seen.Zone.ShouldBe("zone-b");
        seen.Health.ShouldBe(HealthStatus.Healthy);
        seen.Metadata["version"].ShouldBe("2.4.0");
    }
}
