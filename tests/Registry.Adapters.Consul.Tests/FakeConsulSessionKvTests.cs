using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Time.Testing;
using Registry.Adapters.Consul.Tests.Fake;
using Shouldly;
using Xunit;

namespace Registry.Adapters.Consul.Tests;

/// <summary>The fake's sessions and KV behave as Consul's agent and servers do (session.mdx, kv.mdx, txn.mdx, state/kvs.go, session_ttl.go).</summary>
public sealed class FakeConsulSessionKvTests : IAsyncLifetime
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 2, 4, 0, 0, TimeSpan.Zero));
    private FakeConsulServer _fake = null!;
    private HttpClient _http = null!;

    public async Task InitializeAsync()
    {
        _fake = await FakeConsulServer.StartAsync(_time);
        _fake.Jitter = false;
        _http = new HttpClient { BaseAddress = _fake.Address };
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _fake.DisposeAsync();
    }

    private async Task<(HttpStatusCode Status, string Body)> PutAsync(string path, object? json = null, string? raw = null)
    {
        using HttpContent? content = json is not null ? JsonContent.Create(json) : raw is not null ? new StringContent(raw) : null;
        using var response = await _http.PutAsync(path, content);
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    private async Task<string> CreateSessionAsync(object body)
    {
        var (status, text) = await PutAsync("/v1/session/create", body);
        status.ShouldBe(HttpStatusCode.OK, text);
        return JsonDocument.Parse(text).RootElement.GetProperty("ID").GetString()!;
    }

    private async Task<bool> AcquireAsync(string key, string session, string value = "v")
    {
        var (status, text) = await PutAsync($"/v1/kv/{key}?acquire={session}", raw: value);
        status.ShouldBe(HttpStatusCode.OK, text);
        return bool.Parse(text);
    }

    private async Task<(HttpStatusCode Status, JsonElement Body)> TxnAsync(params object[] ops)
    {
        using var response = await _http.PutAsJsonAsync("/v1/txn", ops);
        return (response.StatusCode, JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone());
    }

    private static string B64(string text) => Convert.ToBase64String(Encoding.UTF8.GetBytes(text));

    [Theory]
    [InlineData("5s")]
    [InlineData("86401s")]
    public async Task SessionCreate_TtlOutsideTenSecondsToOneDay_IsRefused(string ttl)
    {
        var (status, text) = await PutAsync("/v1/session/create", new { TTL = ttl });

        status.ShouldBe(HttpStatusCode.InternalServerError, "Session.Apply's error comes back as a 500");
        text.ShouldContain("Invalid Session TTL");
        _fake.ListSessions().ShouldBeEmpty();
    }

    [Fact]
    public async Task SessionCreate_UnknownBehavior_IsRefused()
    {
        var (status, text) = await PutAsync("/v1/session/create", new { Behavior = "explode" });

        status.ShouldBe(HttpStatusCode.InternalServerError);
        text.ShouldBe("Invalid Behavior setting 'explode'");
    }

    [Fact]
    public async Task SessionCreate_NoBody_AgentNodeSerfHealthFifteenSecondLockDelayRelease()
    {
        var id = await CreateSessionAsync(new { });
        var session = _fake.GetSession(id)!;

        session.Node.ShouldBe(FakeConsulServer.AgentNode);
        session.NodeChecks.ShouldBe(["serfHealth"]);
        session.LockDelay.ShouldBe(TimeSpan.FromSeconds(15));
        session.Behavior.ShouldBe("release");
        using var info = await _http.GetAsync($"/v1/session/info/{id}");
        var rendered = JsonDocument.Parse(await info.Content.ReadAsStringAsync()).RootElement[0];
        rendered.GetProperty("LockDelay").GetInt64().ShouldBe(15_000_000_000, "nanoseconds, as Go marshals a Duration");
        info.Headers.GetValues("X-Consul-Index").ShouldHaveSingleItem();
    }

    [Theory]
    [InlineData("{\"LockDelay\": 5}", 5)]
    [InlineData("{\"LockDelay\": \"3s\"}", 3)]
    [InlineData("{\"LockDelay\": 2000000000}", 2)]
    public async Task SessionCreate_LockDelay_SmallNumbersAreSeconds(string body, int seconds)
    {
        using var response = await _http.PutAsync("/v1/session/create", new StringContent(body, Encoding.UTF8, "application/json"));
        var id = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("ID").GetString()!;

        _fake.GetSession(id)!.LockDelay.ShouldBe(TimeSpan.FromSeconds(seconds));
    }

    [Fact]
    public async Task Session_NotRenewed_InvalidatedAfterTwiceTheTtl_RenewThen404()
    {
        var id = await CreateSessionAsync(new { TTL = "10s", Checks = Array.Empty<string>() });

        _time.Advance(TimeSpan.FromSeconds(19));
        _fake.GetSession(id).ShouldNotBeNull("Consul waits SessionTTLMultiplier × TTL");
        (await PutAsync($"/v1/session/renew/{id}")).Status.ShouldBe(HttpStatusCode.OK);
        _time.Advance(TimeSpan.FromSeconds(19));
        _fake.GetSession(id).ShouldNotBeNull("a renewal restarts the 2 × TTL");
        _time.Advance(TimeSpan.FromSeconds(1));

        _fake.GetSession(id).ShouldBeNull();
        _fake.SessionsInvalidated.ShouldBe(1);
        var (status, text) = await PutAsync($"/v1/session/renew/{id}");
        status.ShouldBe(HttpStatusCode.NotFound);
        text.ShouldBe($"Session id '{id}' not found");
        using var info = await _http.GetAsync($"/v1/session/info/{id}");
        (await info.Content.ReadAsStringAsync()).ShouldBe("[]");
    }

    [Fact]
    public async Task Session_NodeCheckTurnsCritical_InvalidatedUnlessCreatedWithoutChecks()
    {
        var withSerf = await CreateSessionAsync(new { Name = "default checks" });
        var without = await CreateSessionAsync(new { NodeChecks = Array.Empty<string>(), Checks = Array.Empty<string>() });

        _fake.SetNodeHealth(FakeConsulServer.AgentNode, "critical");

        _fake.GetSession(withSerf).ShouldBeNull();
        _fake.GetSession(without).ShouldNotBeNull();
        var (status, text) = await PutAsync("/v1/session/create", new { Name = "now" });
        status.ShouldBe(HttpStatusCode.InternalServerError);
        text.ShouldBe("Check 'serfHealth' is in critical state");
    }

    [Fact]
    public async Task Acquire_LockIndexRules_HolderOnly()
    {
        var s1 = await CreateSessionAsync(new { Checks = Array.Empty<string>() });
        var s2 = await CreateSessionAsync(new { Checks = Array.Empty<string>() });

        (await AcquireAsync("lock", s1, "one")).ShouldBeTrue();
        _fake.GetKey("lock")!.LockIndex.ShouldBe(1UL);
        (await AcquireAsync("lock", s1, "again")).ShouldBeTrue("the holder may acquire again");
        _fake.GetKey("lock")!.LockIndex.ShouldBe(1UL, "without a new LockIndex");
        (await AcquireAsync("lock", s2)).ShouldBeFalse("another session holds it");
        (await PutAsync($"/v1/kv/lock?release={s2}", raw: "x")).Body.ShouldBe("false");
        (await PutAsync("/v1/kv/lock", raw: "plain")).Body.ShouldBe("true");
        _fake.GetKey("lock")!.Session.ShouldBe(s1, "a plain set keeps the holder");
        (await PutAsync($"/v1/kv/lock?release={s1}", raw: "free")).Body.ShouldBe("true");
        _fake.GetKey("lock")!.Session.ShouldBeNull();
        (await AcquireAsync("lock", s2)).ShouldBeTrue();
        _fake.GetKey("lock")!.LockIndex.ShouldBe(2UL);
        var (status, text) = await PutAsync("/v1/kv/lock?acquire=00000000-0000-0000-0000-000000000000", raw: "x");
        status.ShouldBe(HttpStatusCode.InternalServerError);
        text.ShouldBe("invalid session \"00000000-0000-0000-0000-000000000000\"");
        (await PutAsync($"/v1/kv/lock?acquire={s1}&cas=0", raw: "x")).Status.ShouldBe(HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task Invalidation_ReleaseOrDelete_AndLockDelayRefusesAcquires()
    {
        var release = await CreateSessionAsync(new { Checks = Array.Empty<string>(), LockDelay = "10s", Behavior = "release" });
        var delete = await CreateSessionAsync(new { Checks = Array.Empty<string>(), LockDelay = "0s", Behavior = "delete" });
        var other = await CreateSessionAsync(new { Checks = Array.Empty<string>() });
        (await AcquireAsync("released", release)).ShouldBeTrue();
        (await AcquireAsync("deleted", delete)).ShouldBeTrue();

        (await PutAsync($"/v1/session/destroy/{release}")).Body.ShouldBe("true");
        (await PutAsync($"/v1/session/destroy/{delete}")).Body.ShouldBe("true");

        _fake.GetKey("released")!.Session.ShouldBeNull("Behavior release keeps the key");
        _fake.GetKey("deleted").ShouldBeNull("Behavior delete deletes it");
        (await AcquireAsync("released", other)).ShouldBeFalse("free, but under its lock-delay");
        (await AcquireAsync("deleted", other)).ShouldBeTrue("no lock-delay");
        var (status, body) = await TxnAsync(new { KV = new { Verb = "lock", Key = "released", Session = other, Value = B64("x") } });
        status.ShouldBe(HttpStatusCode.Conflict);
        body.GetProperty("Errors")[0].GetProperty("What").GetString().ShouldBe("failed to lock key \"released\" due to lock delay");
        _time.Advance(TimeSpan.FromSeconds(10));
        (await AcquireAsync("released", other)).ShouldBeTrue();
        _fake.GetKey("released")!.LockIndex.ShouldBe(2UL);
    }

    [Fact]
    public async Task KvGet_Shapes_MissingIs404WithIndex_ValueBase64_SessionOnlyWhenHeld()
    {
        using var missing = await _http.GetAsync("/v1/kv/nothing");
        missing.StatusCode.ShouldBe(HttpStatusCode.NotFound);
        missing.Headers.GetValues("X-Consul-Index").ShouldHaveSingleItem();
        await PutAsync("/v1/kv/app/a", raw: "alpha");
        await PutAsync("/v1/kv/app/b/c", raw: "gamma");
        await PutAsync("/v1/kv/other", raw: "x");

        using var one = await _http.GetAsync("/v1/kv/app/a");
        var entry = JsonDocument.Parse(await one.Content.ReadAsStringAsync()).RootElement[0];
        entry.GetProperty("Value").GetString().ShouldBe(B64("alpha"));
        entry.TryGetProperty("Session", out _).ShouldBeFalse();
        entry.GetProperty("LockIndex").GetUInt64().ShouldBe(0UL);
        (await _http.GetStringAsync("/v1/kv/app/a?raw")).ShouldBe("alpha");
        var recurse = JsonDocument.Parse(await _http.GetStringAsync("/v1/kv/app/?recurse")).RootElement;
        recurse.EnumerateArray().Select(e => e.GetProperty("Key").GetString()).ShouldBe(["app/a", "app/b/c"]);
        var keys = JsonDocument.Parse(await _http.GetStringAsync("/v1/kv/app/?keys&separator=/")).RootElement;
        keys.EnumerateArray().Select(e => e.GetString()).ShouldBe(["app/a", "app/b/"]);
    }

    [Fact]
    public async Task KvGet_Blocking_ReturnsWhenThatKeyChanges()
    {
        await PutAsync("/v1/kv/watched", raw: "1");
        using var first = await _http.GetAsync("/v1/kv/watched");
        var index = first.Headers.GetValues("X-Consul-Index").Single();

        var blocked = _http.GetAsync($"/v1/kv/watched?index={index}&wait=5m");
        await ConsulTestSupport.WaitUntilAsync(() => _fake.InFlight("/v1/kv/watched") == 1, "the query is held");
        await PutAsync("/v1/kv/unrelated", raw: "x");
        await PutAsync("/v1/kv/watched", raw: "2");
        using var answer = await blocked;

        var entry = JsonDocument.Parse(await answer.Content.ReadAsStringAsync()).RootElement[0];
        Encoding.UTF8.GetString(Convert.FromBase64String(entry.GetProperty("Value").GetString()!)).ShouldBe("2", "it waited for the key, not for another key");
        ulong.Parse(answer.Headers.GetValues("X-Consul-Index").Single()).ShouldBeGreaterThan(ulong.Parse(index));
    }

    [Fact]
    public async Task KvPutAndDelete_Cas()
    {
        (await PutAsync("/v1/kv/k?cas=0", raw: "new")).Body.ShouldBe("true");
        (await PutAsync("/v1/kv/k?cas=0", raw: "again")).Body.ShouldBe("false", "cas 0 creates only");
        var modify = _fake.GetKey("k")!.ModifyIndex;
        (await PutAsync($"/v1/kv/k?cas={modify + 1}", raw: "stale")).Body.ShouldBe("false");
        (await PutAsync($"/v1/kv/k?cas={modify}", raw: "next")).Body.ShouldBe("true");
        using var stale = await _http.DeleteAsync($"/v1/kv/k?cas={modify}");
        (await stale.Content.ReadAsStringAsync()).ShouldBe("false");
        using var current = await _http.DeleteAsync($"/v1/kv/k?cas={_fake.GetKey("k")!.ModifyIndex}");
        (await current.Content.ReadAsStringAsync()).ShouldBe("true");
        _fake.GetKey("k").ShouldBeNull();
        await PutAsync("/v1/kv/tree/a", raw: "1");
        await PutAsync("/v1/kv/tree/b", raw: "1");
        using var tree = await _http.DeleteAsync("/v1/kv/tree/?recurse");
        _fake.ListKeys("tree/").ShouldBeEmpty();
    }

    [Fact]
    public async Task Txn_KvAndCatalog_CheckSessionFails_RolledBackAs409()
    {
        var session = await CreateSessionAsync(new { Checks = Array.Empty<string>() });
        var other = await CreateSessionAsync(new { Checks = Array.Empty<string>() });
        (await AcquireAsync("leader", other)).ShouldBeTrue();

        var (status, body) = await TxnAsync(
            new { KV = new { Verb = "check-session", Key = "leader", Session = session } },
            new { KV = new { Verb = "set", Key = "written", Value = B64("x") } },
            new { Node = new { Verb = "set", Node = new { Node = "sync", Address = "127.0.0.1" } } });

        status.ShouldBe(HttpStatusCode.Conflict);
        var error = body.GetProperty("Errors").EnumerateArray().ShouldHaveSingleItem();
        error.GetProperty("OpIndex").GetInt32().ShouldBe(0);
        error.GetProperty("What").GetString().ShouldBe($"failed to check session, key \"leader\" in not locked by session \"{session}\"");
        _fake.GetKey("written").ShouldBeNull("rolled back");
        _fake.HasNode("sync").ShouldBeFalse("the catalog part too");
    }

    [Fact]
    public async Task Txn_KvVerbs_ResultsAndErrors()
    {
        var session = await CreateSessionAsync(new { Checks = Array.Empty<string>() });
        var (status, body) = await TxnAsync(
            new { KV = new { Verb = "set", Key = "a", Value = B64("1") } },
            new { KV = new { Verb = "lock", Key = "l", Session = session, Value = B64("me") } },
            new { KV = new { Verb = "check-session", Key = "l", Session = session } },
            new { KV = new { Verb = "get", Key = "a" } },
            new { KV = new { Verb = "delete", Key = "gone" } });

        status.ShouldBe(HttpStatusCode.OK);
        var results = body.GetProperty("Results").EnumerateArray().ToList();
        results.Count.ShouldBe(4, "no result for a delete");
        results[0].GetProperty("KV").GetProperty("Value").ValueKind.ShouldBe(JsonValueKind.Null, "only get returns the value");
        results[1].GetProperty("KV").GetProperty("LockIndex").GetUInt64().ShouldBe(1UL);
        results[3].GetProperty("KV").GetProperty("Value").GetString().ShouldBe(B64("1"));
        var index = results[0].GetProperty("KV").GetProperty("ModifyIndex").GetUInt64();
        results[1].GetProperty("KV").GetProperty("ModifyIndex").GetUInt64().ShouldBe(index, "one raft index");

        var (conflict, errors) = await TxnAsync(
            new { KV = new { Verb = "check-index", Key = "a", Index = index + 5 } },
            new { KV = new { Verb = "unlock", Key = "l", Session = "someone" } },
            new { KV = new { Verb = "cas", Key = "a", Index = 1, Value = B64("2") } },
            new { KV = new { Verb = "get", Key = "missing" } });
        conflict.ShouldBe(HttpStatusCode.Conflict);
        errors.GetProperty("Errors").EnumerateArray().Select(e => e.GetProperty("OpIndex").GetInt32()).ShouldBe([0, 1, 2, 3]);
        errors.GetProperty("Errors")[3].GetProperty("What").GetString().ShouldBe("key \"missing\" doesn't exist");
    }
}
