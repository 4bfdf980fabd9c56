using Registry.Adapters.Consul.Tests.Fake;
using Shouldly;
using Xunit;

namespace Registry.Adapters.Sync.Tests.Backends;

/// <summary><c>mesh-sync</c> against the wire-level Consul fake (one per test: it starts in milliseconds).</summary>
public sealed class ConsulConsoleTests : IAsyncLifetime
{
    private const string Secret = "b1e2c3d4-acl-secret-7a9f";
    private readonly TempCatalogs _files = new();
    private FakeConsulServer _consul = null!;

    public async Task InitializeAsync() => _consul = await FakeConsulServer.StartAsync();

    public async Task DisposeAsync()
    {
        await _consul.DisposeAsync();
        _files.Dispose();
    }

    internal static void Put(FakeConsulServer consul, string service, string id, string host, int port, string status = "passing") =>
        consul.PutService("node-" + host, host, new FakeServiceSpec(id, service)
        {
            Port = port,
            Tags = ["consul"],
            Meta = new Dictionary<string, string> { ["zone"] = "zone-c" },
        }, status);

    [Fact]
    public async Task List_ConsulShortcut_InstancesWithHealthMapped()
    {
        Put(_consul, "orders", "orders-1", "10.4.0.1", 8080, "passing");
        Put(_consul, "orders", "orders-2", "10.4.0.2", 8080, "warning");
        Put(_consul, "orders", "orders-3", "10.4.0.3", 8080, "critical");
        Put(_consul, "billing", "billing-1", "10.4.0.4", 9000, "passing");
        _consul.SetNodeMaintenance("node-10.4.0.4", enable: true, "kernel upgrade");

        var result = await CliRun.InProcessAsync("list", "--consul", _consul.Address.ToString(), "--output", "json");

        result.ExitCode.ShouldBe(0, result.ToString());
        var catalog = CatalogDocument.Parse(result.Stdout);
        catalog.ServiceNames.ShouldBe(["billing", "orders"]);
        catalog.Instances("orders").ShouldBe(
        [
            new PrintedInstance("consul", "orders", "orders-1", "10.4.0.1", 8080, "healthy", false),
            new PrintedInstance("consul", "orders", "orders-2", "10.4.0.2", 8080, "unhealthy", false),
            new PrintedInstance("consul", "orders", "orders-3", "10.4.0.3", 8080, "unhealthy", false),
        ], "passing → healthy, warning/critical → unhealthy; the node address is the host when the service address is empty");
        catalog.Instances("billing").ShouldBe([new PrintedInstance("consul", "billing", "billing-1", "10.4.0.4", 9000, "draining", false)], "a maintenance check → draining");
        catalog.Registries.ShouldBe([new PrintedRegistry("consul", "consul", "ready", null, 2, 4)]);
        result.Stderr.ShouldBeEmpty();
    }

    [Fact]
    public async Task List_ConfigConsulKindWithToken_ReadsAclAgentAndNeverPrintsToken()
    {
        _consul.AclToken = Secret;
        Put(_consul, "orders", "orders-1", "10.5.0.1", 8080);
        Put(_consul, "orders", "orders-2", "10.5.0.2", 8080);
        Put(_consul, "internal", "internal-1", "10.5.0.3", 8080);
        _consul.PutService("node-10.5.0.4", "10.5.0.4", new FakeServiceSpec("legacy-1", "orders") { Port = 8080, Tags = ["legacy"] });
        var config = _files.Write("mesh.json", $$"""
            { "Mesh": { "Registries": [
              { "Name": "dc1", "Kind": "consul", "Address": "{{_consul.Address}}", "Token": "{{Secret}}",
                "UseEnvironment": false, "TagFilter": [ "consul" ], "PortName": "web", "Wait": "00:00:05" } ] } }
            """);

        var result = await CliRun.InProcessAsync("list", "--config", config, "--output", "json", "--verbose");

        result.ExitCode.ShouldBe(0, result.ToString());
        var catalog = CatalogDocument.Parse(result.Stdout);
        catalog.ServiceNames.ShouldBe(["internal", "orders"]);
        catalog.Instances("orders").Select(i => $"{i.Registry}/{i.Id}").ShouldBe(["dc1/orders-1", "dc1/orders-2"], "TagFilter leaves out the untagged legacy-1");
        System.Text.Json.JsonDocument.Parse(result.Stdout).RootElement.GetProperty("services")[1].GetProperty("instances")[0]
            .GetProperty("ports")[0].GetProperty("name").GetString().ShouldBe("web", "PortName is bound from the config");
        catalog.Registry("dc1").ShouldBe(new PrintedRegistry("dc1", "consul", "ready", null, 2, 3));
        _consul.Requests.ShouldAllBe(r => r.HadTokenHeader, "the token is sent on every request");
        result.Stdout.ShouldNotContain(Secret);
        result.Stderr.ShouldNotContain(Secret);
    }

    [Fact]
    public async Task List_ConsulWrongTokenAndGoodFile_Exit3FileServicesPrintedTokenNowhere()
    {
        _consul.AclToken = "the-right-token";
        Put(_consul, "orders", "orders-1", "10.6.0.1", 8080);
        var file = _files.Write("a.json", TempCatalogs.A).Replace("\\", "\\\\", StringComparison.Ordinal);
        var config = _files.Write("mesh.json", $$"""
            { "Mesh": { "Registries": [
              { "Kind": "consul", "Address": "{{_consul.Address}}", "Token": "{{Secret}}", "UseEnvironment": false } ] } }
            """);

        var result = await CliRun.InProcessAsync("list", "--file", file, "--config", config, "--output", "json", "--verbose");

        result.ExitCode.ShouldBe(3, result.ToString());
        var catalog = CatalogDocument.Parse(result.Stdout);
        catalog.ServiceNames.ShouldBe(["orders", "payments"]);
        catalog.Instances("orders").ShouldAllBe(i => i.Registry == "file");
        catalog.Registry("file").State.ShouldBe("ready");
        var consul = catalog.Registry("consul");
        consul.Kind.ShouldBe("consul");
        consul.State.ShouldBe("failed");
        consul.Error.ShouldNotBeNullOrWhiteSpace();
        consul.Error.ShouldContain("ACL not found", Case.Insensitive);
        result.Stderr.ShouldContain("registry 'consul' (consul) is failed");
        _consul.Requests.ShouldNotBeEmpty();
        result.Stdout.ShouldNotContain(Secret);
        result.Stderr.ShouldNotContain(Secret);
    }

    [Fact]
    public async Task Watch_ConsulRegisterInstance_PrintsUpdatedLineAndExits0OnInterrupt()
    {
        Put(_consul, "orders", "orders-1", "10.7.0.1", 8080);
        await using var watch = new WatchRun("--consul", _consul.Address.ToString(), "--output", "json");
        var snapshot = CatalogDocument.From(await watch.WaitForLineAsync("snapshot"));
        snapshot.Instances("orders").Select(i => i.Id).ShouldBe(["orders-1"]);

        Put(_consul, "orders", "orders-2", "10.7.0.2", 8080, "critical");
        var updated = await watch.WaitForLineAsync("updated");
        Put(_consul, "shipping", "shipping-1", "10.7.0.3", 7000);
        var added = await watch.WaitForLineAsync("added");
        var exit = await watch.StopAsync();

        exit.ShouldBe(0, watch.Stderr);
        updated.GetProperty("revision").GetInt64().ShouldBeGreaterThan(snapshot.Revision);
        updated.GetProperty("service").GetProperty("instances").EnumerateArray().Select(CatalogDocument.ToInstance).ShouldBe(
        [
            new PrintedInstance("consul", "orders", "orders-1", "10.7.0.1", 8080, "healthy", false),
            new PrintedInstance("consul", "orders", "orders-2", "10.7.0.2", 8080, "unhealthy", false),
        ]);
        added.GetProperty("service").GetProperty("name").GetString().ShouldBe("shipping");
        watch.Stderr.ShouldBeEmpty();
    }

    [Fact]
    public async Task List_ProxyQuotesTheRejectedTokenBack_TokenInNoOutputErrorMasked()
    {
        var token = $"{Guid.NewGuid():N}-consul-echoed-token";
        _consul.AclToken = "the-right-token";
        _consul.EchoCredential = true;
        Put(_consul, "orders", "orders-1", "10.6.0.1", 8080);
        var file = _files.Write("a.json", TempCatalogs.A).Replace("\\", "\\\\", StringComparison.Ordinal);
        var config = _files.Write("mesh.json", $$"""
            { "Mesh": { "Registries": [
              { "Kind": "file", "Path": "{{file}}" },
              { "Kind": "consul", "Address": "{{_consul.Address}}", "Token": "{{token}}", "UseEnvironment": false } ] } }
            """);

        var json = await CliRun.InProcessAsync("list", "--config", config, "--output", "json", "--verbose");
        var table = await CliRun.InProcessAsync("list", "--config", config, "--output", "table", "--verbose");

        json.ExitCode.ShouldBe(3, json.ToString());
        table.ExitCode.ShouldBe(3, table.ToString());
        var error = CatalogDocument.Parse(json.Stdout).Registry("consul").Error.ShouldNotBeNull();
        error.ShouldContain("ACL not found (token ***)");
        table.Stdout.ShouldContain("failed");
        table.Stderr.ShouldContain("ACL not found (token ***)");
        foreach (var text in new[] { json.Stdout, json.Stderr, table.Stdout, table.Stderr })
        {
            // The reason phrase quotes the token across the 64-character bound: not even its first half may show.
            text.ShouldNotContain(token[..8]);
        }
    }
}
