using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Registry.Adapters.Consul.Tests.Fake;
using Shouldly;
using Xunit;

namespace Registry.Adapters.Consul.Tests;

/// <summary>The fake's catalog write API behaves as Consul's servers do (catalog.mdx, txn.mdx, state/txn.go).</summary>
public sealed class FakeConsulCatalogWriteTests : IAsyncLifetime
{
    private FakeConsulServer _fake = null!;
    private HttpClient _http = null!;

    public async Task InitializeAsync()
    {
        _fake = await FakeConsulServer.StartAsync();
        _http = new HttpClient { BaseAddress = _fake.Address };
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _fake.DisposeAsync();
    }

    private static object NodeSet(string node) => new { Node = new { Verb = "set", Node = new { Node = node, Address = "127.0.0.1" } } };

    private static object ServiceOp(string verb, string node, string id, ulong modifyIndex = 0, int port = 80) =>
        new { Service = new { Verb = verb, Node = node, Service = new { ID = id, Service = "web", Address = "10.0.0.1", Port = port, ModifyIndex = modifyIndex } } };

    private static object CheckSet(string node, string id, string serviceId, string status = "passing") =>
        new { Check = new { Verb = "set", Check = new { Node = node, CheckID = id, Name = id, Status = status, ServiceID = serviceId } } };

    private async Task<(HttpStatusCode Status, JsonElement Body)> TxnAsync(params object[] ops)
    {
        using var response = await _http.PutAsJsonAsync("/v1/txn", ops);
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, response.StatusCode is HttpStatusCode.OK or HttpStatusCode.Conflict ? JsonDocument.Parse(text).RootElement.Clone() : default);
    }

    [Fact]
    public async Task Txn_AllApplied_ResultsCarryOneIndexAndNoSerfHealth()
    {
        var (status, body) = await TxnAsync(NodeSet("sync"), ServiceOp("cas", "sync", "web-1"), CheckSet("sync", "c1", "web-1"));

        status.ShouldBe(HttpStatusCode.OK);
        var results = body.GetProperty("Results").EnumerateArray().ToList();
        results.Count.ShouldBe(3);
        var index = results[1].GetProperty("Service").GetProperty("ModifyIndex").GetUInt64();
        results[2].GetProperty("Check").GetProperty("ModifyIndex").GetUInt64().ShouldBe(index, "one raft index for the transaction");
        results[2].GetProperty("Check").GetProperty("ServiceName").GetString().ShouldBe("web");
        _fake.NodeChecks("sync").Keys.ShouldBe(["c1"]);
    }

    [Fact]
    public async Task Txn_OneOperationFails_RolledBackAs409WithErrors()
    {
        var (status, body) = await TxnAsync(NodeSet("sync"), ServiceOp("set", "sync", "web-1"), CheckSet("sync", "c1", "missing-service"));

        status.ShouldBe(HttpStatusCode.Conflict);
        var error = body.GetProperty("Errors").EnumerateArray().Single();
        error.GetProperty("OpIndex").GetInt32().ShouldBe(2);
        error.GetProperty("What").GetString().ShouldBe("Missing service registration");
        _fake.HasNode("sync").ShouldBeFalse("the node set of the same transaction was rolled back");
    }

    [Fact]
    public async Task Txn_FailsAfterUpdatesDeletesAndKvWrites_LeavesEveryReadAsBefore()
    {
        (await TxnAsync(
            NodeSet("sync"),
            ServiceOp("set", "sync", "web-1"),
            ServiceOp("set", "sync", "web-2"),
            CheckSet("sync", "c1", "web-1"),
            CheckSet("sync", "c2", "web-2"),
            KvSet("a", "old"))).Status.ShouldBe(HttpStatusCode.OK);
        var before = await ReadEverythingAsync();

        var (status, body) = await TxnAsync(
            ServiceOp("set", "sync", "web-1", port: 81),
            CheckSet("sync", "c1", "web-1", status: "critical"),
            ServiceOp("delete", "sync", "web-2"),
            NodeSet("other"),
            KvSet("a", "new"),
            KvSet("b", "added"),
            new { KV = new { Verb = "delete", Key = "a" } },
            CheckSet("sync", "c3", "missing-service"));

        status.ShouldBe(HttpStatusCode.Conflict);
        body.GetProperty("Errors")[0].GetProperty("OpIndex").GetInt32().ShouldBe(7);
        (await ReadEverythingAsync()).ShouldBe(before, "every table and every index as before the transaction");
        var (_, next) = await TxnAsync(ServiceOp("set", "sync", "web-1", port: 82));
        next.GetProperty("Results")[0].GetProperty("Service").GetProperty("Port").GetInt32().ShouldBe(82, "the store still takes writes after a rollback");
    }

    private static object KvSet(string key, string value) =>
        new { KV = new { Verb = "set", Key = key, Value = Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(value)) } };

    /// <summary>What a client reads of the fake (bodies and X-Consul-Index), one line per read.</summary>
    private async Task<List<string>> ReadEverythingAsync()
    {
        var reads = new List<string>();
        foreach (var path in new[] { "/v1/catalog/services", "/v1/health/service/web", "/v1/catalog/node/sync", "/v1/catalog/node/other", "/v1/health/node/sync", "/v1/kv/?recurse", "/v1/kv/a", "/v1/kv/b" })
        {
            using var response = await _http.GetAsync(path);
            var index = response.Headers.TryGetValues("X-Consul-Index", out var values) ? string.Join(",", values) : "-";
            reads.Add($"{path} {(int)response.StatusCode} {index} {await response.Content.ReadAsStringAsync()}");
        }

        return reads;
    }

    [Fact]
    public async Task Txn_ServiceWithoutNode_MissingNodeRegistration()
    {
        var (status, body) = await TxnAsync(ServiceOp("set", "nowhere", "web-1"));

        status.ShouldBe(HttpStatusCode.Conflict);
        body.GetProperty("Errors")[0].GetProperty("What").GetString().ShouldBe("Missing node registration");
    }

    [Fact]
    public async Task Txn_CasWithStaleIndex_Fails_AndDeleteCasNeedsTheCurrentIndex()
    {
        var (_, created) = await TxnAsync(NodeSet("sync"), ServiceOp("cas", "sync", "web-1"));
        var index = created.GetProperty("Results")[1].GetProperty("Service").GetProperty("ModifyIndex").GetUInt64();

        (await TxnAsync(ServiceOp("cas", "sync", "web-1"))).Status.ShouldBe(HttpStatusCode.Conflict, "cas with index 0 creates only");
        var (_, updated) = await TxnAsync(ServiceOp("cas", "sync", "web-1", index, port: 81));
        var newIndex = updated.GetProperty("Results")[0].GetProperty("Service").GetProperty("ModifyIndex").GetUInt64();
        newIndex.ShouldBeGreaterThan(index);
        var (stale, staleBody) = await TxnAsync(ServiceOp("delete-cas", "sync", "web-1", index));
        stale.ShouldBe(HttpStatusCode.Conflict);
        staleBody.GetProperty("Errors")[0].GetProperty("What").GetString()!.ShouldContain("index is stale");
        (await TxnAsync(ServiceOp("delete-cas", "sync", "web-1", newIndex))).Status.ShouldBe(HttpStatusCode.OK);
        _fake.NodeServices("sync").ShouldBeEmpty();
    }

    [Fact]
    public async Task Txn_MoreThan64Operations_413()
    {
        var ops = Enumerable.Range(0, 65).Select(i => NodeSet("n" + i)).ToArray();

        using var response = await _http.PutAsJsonAsync("/v1/txn", ops);

        response.StatusCode.ShouldBe(HttpStatusCode.RequestEntityTooLarge);
        (await response.Content.ReadAsStringAsync()).ShouldBe("Transaction contains too many operations (65 > 64)");
        _fake.HasNode("n0").ShouldBeFalse();
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Txn_BodyOverTxnMaxRequestBytes_413BeforeAnythingIsApplied(bool withContentLength)
    {
        _fake.TxnMaxRequestBytes = 1024;
        var body = JsonSerializer.SerializeToUtf8Bytes(new[] { NodeSet("sync"), ServiceOp("set", "sync", new string('x', 1200)) });
        using HttpContent content = withContentLength ? new ByteArrayContent(body) : new StreamContent(new UnknownLengthStream(body));

        using var response = await _http.PutAsync("/v1/txn", content);

        response.StatusCode.ShouldBe(HttpStatusCode.RequestEntityTooLarge);
        (await response.Content.ReadAsStringAsync()).ShouldBe("Request body too large, max size: 1024 bytes");
        _fake.HasNode("sync").ShouldBeFalse();
        _fake.TxnTooLarge.ShouldBe(1);
        (await TxnAsync(NodeSet("sync"))).Status.ShouldBe(HttpStatusCode.OK, "a body within the limit is applied");
    }

    /// <summary>A body whose length the client cannot tell, so it is sent chunked, without Content-Length.</summary>
    private sealed class UnknownLengthStream(byte[] bytes) : MemoryStream(bytes)
    {
        public override bool CanSeek => false;
    }

    [Fact]
    public async Task CatalogDeregister_Node_RemovesItsServicesAndChecks()
    {
        using (var register = await _http.PutAsJsonAsync("/v1/catalog/register", new
        {
            Node = "ext",
            Address = "10.1.1.1",
            Service = new { ID = "web-1", Service = "web", Port = 80 },
            Check = new { CheckID = "c1", Name = "c1", Status = "passing", ServiceID = "web-1" },
        }))
        {
            register.StatusCode.ShouldBe(HttpStatusCode.OK);
        }

        _fake.NodeServices("ext").Keys.ShouldBe(["web-1"]);
        using (var health = await _http.GetAsync("/v1/health/node/ext"))
        {
            JsonDocument.Parse(await health.Content.ReadAsStringAsync()).RootElement.GetArrayLength().ShouldBe(1);
        }

        using var deregister = await _http.PutAsJsonAsync("/v1/catalog/deregister", new { Node = "ext" });

        deregister.StatusCode.ShouldBe(HttpStatusCode.OK);
        _fake.HasNode("ext").ShouldBeFalse();
        _fake.NodeServices("ext").ShouldBeEmpty();
        _fake.NodeChecks("ext").ShouldBeEmpty();
        using var node = await _http.GetAsync("/v1/catalog/node/ext");
        (await node.Content.ReadAsStringAsync()).ShouldBe("null", "an unknown node reads as null");
    }

    [Fact]
    public async Task CatalogRegister_InvalidMeta_Refused()
    {
        using var response = await _http.PutAsJsonAsync("/v1/catalog/register", new
        {
            Node = "ext",
            Address = "10.1.1.1",
            Service = new { ID = "web-1", Service = "web", Meta = new Dictionary<string, string> { ["app.kubernetes.io/name"] = "web" } },
        });

        response.StatusCode.ShouldBe(HttpStatusCode.InternalServerError);
        (await response.Content.ReadAsStringAsync()).ShouldContain("Invalid service metadata");
        _fake.HasNode("ext").ShouldBeFalse("the request was rolled back as a whole");
    }

    [Fact]
    public async Task Txn_WrongToken_403AclNotFound()
    {
        _fake.AclToken = "secret";
        using var request = new HttpRequestMessage(HttpMethod.Put, "/v1/txn") { Content = JsonContent.Create(new[] { NodeSet("sync") }) };
        request.Headers.Add("X-Consul-Token", "nope");

        using var response = await _http.SendAsync(request);

        response.StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        (await response.Content.ReadAsStringAsync()).ShouldBe("ACL not found");
        _fake.HasNode("sync").ShouldBeFalse();
    }
}
