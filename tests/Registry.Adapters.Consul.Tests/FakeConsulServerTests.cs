using System.Net;
using System.Text.Json;
using Microsoft.Extensions.Time.Testing;
using Registry.Adapters.Consul.Tests.Fake;
using Shouldly;
using Xunit;

namespace Registry.Adapters.Consul.Tests;

/// <summary>The fake behaves as the agent does (wire notes), so tests against it mean something.</summary>
public sealed class FakeConsulServerTests
{
    [Fact]
    public async Task BlockingQuery_HoldsUntilChangeThenReturnsNewIndex()
    {
        await using var fake = await FakeConsulServer.StartAsync();
        fake.PutService("n1", "10.7.0.1", new FakeServiceSpec("web-1", "web") { Port = 80 });
        using var http = new HttpClient { BaseAddress = fake.Address };
        using var first = await http.GetAsync("/v1/health/service/web");
        var index = ulong.Parse(first.Headers.GetValues("X-Consul-Index").Single());
        first.Headers.GetValues("X-Consul-KnownLeader").Single().ShouldBe("true");
        first.Headers.GetValues("X-Consul-LastContact").Single().ShouldBe("0");

        var held = http.GetAsync($"/v1/health/service/web?index={index}&wait=60s");
        await ConsulTestSupport.WaitUntilAsync(() => fake.InFlight("/v1/health/service/web") == 1, "the query is held");
        held.IsCompleted.ShouldBeFalse();
        fake.SetCheckStatus("n1", "service:web-1", "warning");
        using var second = await held;

        ulong.Parse(second.Headers.GetValues("X-Consul-Index").Single()).ShouldBeGreaterThan(index);
        using var body = JsonDocument.Parse(await second.Content.ReadAsStringAsync());
        body.RootElement[0].GetProperty("Checks").EnumerateArray().Select(c => c.GetProperty("CheckID").GetString()).ShouldBe(["serfHealth", "service:web-1"]);
    }

    [Fact]
    public async Task BlockingQuery_WaitElapsesOnTheClock_ReturnsSameIndex()
    {
        var time = new FakeTimeProvider();
        await using var fake = await FakeConsulServer.StartAsync(time);
        fake.Jitter = false;
        fake.PutService("n1", "10.7.0.1", new FakeServiceSpec("web-1", "web") { Port = 80 });
        using var http = new HttpClient { BaseAddress = fake.Address };
        using var first = await http.GetAsync("/v1/catalog/services");
        var index = first.Headers.GetValues("X-Consul-Index").Single();

        var held = http.GetAsync($"/v1/catalog/services?index={index}&wait=300000ms");
        await ConsulTestSupport.WaitUntilAsync(() => fake.InFlight("/v1/catalog/services") == 1, "held");
        time.Advance(TimeSpan.FromMinutes(5));
        using var timedOut = await held;

        timedOut.Headers.GetValues("X-Consul-Index").Single().ShouldBe(index, "a return is no guarantee of a change");
        (await timedOut.Content.ReadAsStringAsync()).ShouldBe("""{"web":[]}""");
    }

    [Fact]
    public async Task HealthService_PassingFilter_DropsWarningAndCritical()
    {
        await using var fake = await FakeConsulServer.StartAsync();
        fake.PutService("n1", "10.7.0.1", new FakeServiceSpec("a", "web") { Port = 80 });
        fake.PutService("n2", "10.7.0.2", new FakeServiceSpec("b", "web") { Port = 80 }, "warning");
        fake.PutService("n3", "10.7.0.3", new FakeServiceSpec("c", "web") { Port = 80 }, "critical");
        using var http = new HttpClient { BaseAddress = fake.Address };

        using var all = JsonDocument.Parse(await http.GetStringAsync("/v1/health/service/web"));
        using var passing = JsonDocument.Parse(await http.GetStringAsync("/v1/health/service/web?passing"));
        using var unknown = JsonDocument.Parse(await http.GetStringAsync("/v1/health/service/nope"));

        all.RootElement.GetArrayLength().ShouldBe(3);
        passing.RootElement.GetArrayLength().ShouldBe(1);
        unknown.RootElement.GetArrayLength().ShouldBe(0, "an unknown service is 200 [] rather than 404");
    }

    [Fact]
    public async Task Acl_TokenInQueryIsReadLikeConsul_WrongTokenIsAclNotFound()
    {
        await using var fake = await FakeConsulServer.StartAsync(aclToken: "t0k3n");
        using var http = new HttpClient { BaseAddress = fake.Address };

        (await http.GetAsync("/v1/catalog/services?token=t0k3n")).StatusCode.ShouldBe(HttpStatusCode.OK);
        using var wrong = new HttpRequestMessage(HttpMethod.Get, "/v1/catalog/services");
        wrong.Headers.Add("X-Consul-Token", "nope");
        using var denied = await http.SendAsync(wrong);

        denied.StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        (await denied.Content.ReadAsStringAsync()).ShouldBe("ACL not found");
        fake.Requests.First().HadTokenInQuery.ShouldBeTrue();
    }

    [Theory]
    [InlineData("index=abc", "Invalid index")]
    [InlineData("index=5&wait=5", "Invalid wait time")]
    public async Task BlockingQuery_BadParameters_Are400(string query, string message)
    {
        await using var fake = await FakeConsulServer.StartAsync();
        using var http = new HttpClient { BaseAddress = fake.Address };

        using var response = await http.GetAsync("/v1/catalog/services?" + query);

        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await response.Content.ReadAsStringAsync()).ShouldBe(message);
    }

    [Fact]
    public async Task Register_NewCheckWithoutStatus_StartsCritical()
    {
        await using var fake = await FakeConsulServer.StartAsync();
        using var http = new HttpClient { BaseAddress = fake.Address };

        using var response = await http.PutAsync("/v1/agent/service/register", new StringContent("""{"name":"web","port":80,"check":{"ttl":"10s"}}"""));

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        fake.GetCheck(FakeConsulServer.AgentNode, "service:web")!.Value.Status.ShouldBe("critical");
        (await http.PutAsync("/v1/agent/check/pass/service:nope", null)).StatusCode.ShouldBe(HttpStatusCode.NotFound);
    }
}
