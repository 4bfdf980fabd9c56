using System.Text.Json.Nodes;
using Registry.Adapters.Consul.Tests.Fake;
using Registry.Adapters.Etcd.Tests;
using Registry.Adapters.Eureka.Tests;
using Registry.Adapters.Kubernetes.Tests.Istio;
using Shouldly;
using Xunit;

namespace Registry.Adapters.Sync.Tests.Export;

/// <summary><c>mesh-sync export istio</c> end to end: golden outputs per source, the CRD rules, and YAML that reads back as the JSON.</summary>
public sealed class ExportIstioTests : IClassFixture<EtcdServerFixture>, IAsyncLifetime
{
    private readonly EtcdServer _etcd;
    private readonly TempCatalogs _files = new();
    private FakeConsulServer _consul = null!;
    private FakeEurekaServer _eureka = null!;

    public ExportIstioTests(EtcdServerFixture fixture) => _etcd = fixture.Server;

    public async Task InitializeAsync()
    {
        _consul = await FakeConsulServer.StartAsync();
        _eureka = await FakeEurekaServer.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await _consul.DisposeAsync();
        await _eureka.DisposeAsync();
        _files.Dispose();
    }

    /// <summary>Runs the export as YAML and as JSON; checks both describe the same objects, each valid under the CRD rules.</summary>
    private static async Task<(string Yaml, List<JsonObject> Objects, CliResult Result)> ExportAsync(params string[] args)
    {
        var yaml = await CliRun.InProcessAsync(["export", "istio", .. args]);
        yaml.ExitCode.ShouldBe(0, yaml.ToString());
        var json = await CliRun.InProcessAsync(["export", "istio", .. args, "--output", "json"]);
        json.ExitCode.ShouldBe(0, json.ToString());
        var list = JsonNode.Parse(json.Stdout)!.AsObject();
        list["kind"]!.GetValue<string>().ShouldBe("List");
        var objects = list["items"]!.AsArray().Select(i => i!.AsObject()).ToList();
        var fromYaml = YamlToJson.Documents(yaml.Stdout);
        fromYaml.Select(o => o.ToJsonString()).ShouldBe(objects.Select(o => o.ToJsonString()), "the YAML reads back as the JSON output");
        foreach (var obj in objects)
        {
            IstioCrdRules.Validate(obj).ShouldBeEmpty(obj.ToJsonString());
        }

        return (yaml.Stdout, objects, yaml);
    }

    private void PutConsul(string service, string id, string address, int port, string status, IReadOnlyList<string> tags, Dictionary<string, string> meta) =>
        _consul.PutService("node-" + id, "10.9.9.9", new FakeServiceSpec(id, service) { Address = address, Port = port, Tags = tags, Meta = meta }, status);

    [Fact]
    public async Task ExportIstio_Consul_MatchesGolden()
    {
        PutConsul("orders", "orders-1", "10.4.0.1", 8080, "passing", ["primary", "version=1.2"], new() { ["zone"] = "us-east-1a", ["team"] = "checkout" });
        PutConsul("orders", "orders-2", "10.4.0.2", 8080, "critical", ["version=1.1"], new() { ["zone"] = "us-east-1b", ["team"] = "checkout" });
        PutConsul("billing", "billing-1", "billing-1.node.dc1.consul", 9443, "passing", [], new() { ["scheme"] = "https", ["weight"] = "5" });
        PutConsul("redis", "redis-1", "10.4.0.9", 6379, "warning", ["bad tag!"], new() { ["scheme"] = "tcp", ["bad key"] = "v", ["note"] = "spaces are not label values" });
        PutConsul("Orders_V2", "ov2-1", "10.4.0.3", 8080, "passing", [], new());

        var (yaml, objects, result) = await ExportAsync("--consul", _consul.Address.ToString());

        Golden.Match("consul.yaml", yaml);
        objects.Select(o => o["metadata"]!["name"]!.GetValue<string>()).ShouldBe(["billing", "orders", "redis"], "orders_v2 has no DNS-1123 host");
        result.Stderr.ShouldContain("skipped in orders_v2: service: host 'orders_v2.mesh'");
        result.Stderr.ShouldContain("label key 'bad key'");
    }

    [Fact]
    public async Task ExportIstio_Eureka_MatchesGolden()
    {
        _eureka.Register("ORDERS", FakeEurekaServer.InstanceJson("ORDERS", "orders-1", "orders-1.prod.internal", 8080, metadata: new Dictionary<string, string> { ["zone"] = "eu-west-1a", ["version"] = "2.0" })).ShouldBeNull();
        _eureka.Register("ORDERS", FakeEurekaServer.InstanceJson("ORDERS", "orders-2", "orders-2.prod.internal", 8080, "DOWN", securePort: 8443)).ShouldBeNull();
        _eureka.Register("CATALOG", FakeEurekaServer.InstanceJson("CATALOG", "catalog-1", "10.6.0.1", 8080, "STARTING", metadata: new Dictionary<string, string> { ["management.port"] = "8081", ["on"] = "yes" })).ShouldBeNull();

        var (yaml, objects, _) = await ExportAsync("--eureka", _eureka.BaseUrl, "--location", "MESH_EXTERNAL", "--namespace", "mesh", "--host-template", "{service}.eureka.mesh");

        Golden.Match("eureka.yaml", yaml);
        objects.ShouldAllBe(o => o["metadata"]!["namespace"]!.GetValue<string>() == "mesh");
    }

    [Fact]
    public async Task ExportIstio_Etcd_MatchesGolden()
    {
        var prefix = EtcdServerFixture.UniquePrefix("export");
        using var client = await EtcdTestClient.ConnectAsync(_etcd);
        await client.PutAsync(prefix + "orders/orders-1", """
            { "service": "orders", "id": "orders-1", "host": "10.7.0.1",
              "ports": [ { "name": "http", "port": 8080 }, { "name": "metrics", "port": 9100 }, { "name": "grpc-api", "port": 9090, "protocol": "grpc" } ],
              "zone": "europe-west1-b", "metadata": { "true": "false", "release": "1.10" } }
            """);
        await client.PutAsync(prefix + "orders/orders-2", """
            { "service": "orders", "id": "orders-2", "host": "fd00::7", "health": "draining",
              "ports": [ { "name": "http", "port": 8080, "protocol": "http" } ] }
            """);
        await client.PutAsync(prefix + "jobs/jobs-1", """
            { "service": "jobs", "id": "jobs-1", "host": "jobs.batch.example.com",
              "ports": [ { "name": "admin", "port": 7000 } ], "tags": [ "app.kubernetes.io/managed-by=someone", "tier=batch" ] }
            """);
        var config = _files.Write("mesh.json", $$"""
            { "Mesh": { "Registries": [ { "Name": "kv", "Kind": "etcd", "Endpoints": [ "{{_etcd.ClientUrl}}" ], "Prefix": "{{prefix}}" } ] } }
            """);

        try
        {
            var (yaml, _, _) = await ExportAsync("--config", config, "--workload-entries", "--sync-id", "east", "--weight", "10");

            Golden.Match("etcd.yaml", yaml);
        }
        finally
        {
            await client.DeleteAsync(prefix + "orders/orders-1");
            await client.DeleteAsync(prefix + "orders/orders-2");
            await client.DeleteAsync(prefix + "jobs/jobs-1");
        }
    }

    [Fact]
    public async Task ExportIstio_SelectionOptions_OnlyMatchingServicesAndInstances()
    {
        PutConsul("orders", "orders-1", "10.4.1.1", 8080, "passing", [], new());
        PutConsul("orders", "orders-2", "10.4.1.2", 8080, "critical", [], new());
        PutConsul("orders-admin", "oa-1", "10.4.1.3", 8080, "passing", [], new());
        PutConsul("billing", "billing-1", "10.4.1.4", 8080, "passing", [], new());
        _eureka.Register("ORDERS", FakeEurekaServer.InstanceJson("ORDERS", "orders-9", "10.4.1.9", 8080)).ShouldBeNull();

        var (_, objects, _) = await ExportAsync("--consul", _consul.Address.ToString(), "--eureka", _eureka.BaseUrl,
            "--service", "orders*", "--exclude", "*-admin", "--from", "consul", "--only-healthy");

        var entry = objects.ShouldHaveSingleItem();
        entry["spec"]!["endpoints"]!.AsArray().Select(e => e!["address"]!.GetValue<string>()).ShouldBe(["10.4.1.1"]);
    }

    [Theory]
    [InlineData("--host-template", "static.mesh", "--host-template")]
    [InlineData("--sync-id", "Not_A_Label", "--sync-id")]
    [InlineData("--output", "table", "--output")]
    [InlineData("--location", "INSIDE", "--location")]
    [InlineData("--from", "nope", "--from")]
    public async Task ExportIstio_BadOption_Exit2NamingTheOption(string option, string value, string named)
    {
        var result = await CliRun.InProcessAsync("export", "istio", "--consul", _consul.Address.ToString(), option, value);

        result.ExitCode.ShouldBe(2, result.ToString());
        result.Stderr.ShouldContain(named);
        result.Stdout.ShouldBeEmpty();
    }
}
