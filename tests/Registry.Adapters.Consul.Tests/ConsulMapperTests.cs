using System.Text;
using Registry.Adapters.Consul.Client;
using Shouldly;
using Xunit;

namespace Registry.Adapters.Consul.Tests;

public sealed class ConsulMapperTests
{
    // The wire notes' sample 6.1: an empty Service.Address (node fallback) and a critical HTTP check.
    private const string Billing = """
    [
      { "Node": { "ID": "0d5c8e2a", "Node": "worker-a", "Address": "10.40.0.11", "Datacenter": "dc-east",
                  "TaggedAddresses": { "lan": "10.40.0.11", "wan": "203.0.113.11" }, "Meta": { "rack": "r12" } },
        "Service": { "ID": "billing-7f1c", "Service": "billing", "Tags": ["v2", "http"], "Address": "",
                     "TaggedAddresses": {}, "Meta": { "version": "2.3.1", "scheme": "http", "zone": "us-east-1a" }, "Port": 8080,
                     "Weights": { "Passing": 3, "Warning": 1 }, "EnableTagOverride": false, "Proxy": { "MeshGateway": {}, "Expose": {} }, "Connect": {} },
        "Checks": [
          { "Node": "worker-a", "CheckID": "serfHealth", "Status": "passing", "ServiceID": "", "ServiceName": "", "ServiceTags": [] },
          { "Node": "worker-a", "CheckID": "service:billing-7f1c", "Status": "passing", "ServiceID": "billing-7f1c", "ServiceName": "billing" } ] },
      { "Node": { "ID": "7a9e4410", "Node": "worker-b", "Address": "10.40.0.12", "Datacenter": "dc-east", "TaggedAddresses": { "lan": "10.40.0.12" }, "Meta": {} },
        "Service": { "ID": "billing-93aa", "Service": "billing", "Tags": ["v2", "http"], "Address": "10.40.7.33",
                     "TaggedAddresses": { "lan_ipv4": { "address": "10.40.7.33", "port": 8080 }, "wan_ipv4": { "Address": "198.51.100.33", "Port": 18080 } },
                     "Meta": { "version": "2.3.0" }, "Port": 8080, "Weights": { "Passing": 1, "Warning": 1 } },
        "Checks": [
          { "Node": "worker-b", "CheckID": "serfHealth", "Status": "passing", "ServiceID": "" },
          { "Node": "worker-b", "CheckID": "service:billing-93aa", "Status": "critical", "ServiceID": "billing-93aa",
            "Output": "HTTP GET http://10.40.7.33:8080/healthz: 503 Service Unavailable" } ] }
    ]
    """;

    private static ConsulMapper Mapper(Action<ConsulRegistryOptions>? configure = null)
    {
        var options = new ConsulRegistryOptions { UseEnvironment = false };
        configure?.Invoke(options);
        return new ConsulMapper(ConsulSettings.Create(options, "Consul"));
    }

    [Fact]
    public void ParseHealth_WireSample_MapsHostsHealthAndMetadata()
    {
        var (instances, skipped) = Mapper().ParseHealth("billing", Encoding.UTF8.GetBytes(Billing));

        skipped.ShouldBeEmpty();
        instances.Count.ShouldBe(2);
        var a = instances[0];
        a.Id.ShouldBe("billing-7f1c");
        a.Host.ShouldBe("10.40.0.11", "an empty Service.Address falls back to Node.Address");
        a.Health.ShouldBe(HealthStatus.Healthy);
        a.Ports.ShouldBe([new ServicePort("http", 8080, "http")]);
        a.Zone.ShouldBe("us-east-1a");
        a.Tags.ShouldBe(["v2", "http"]);
        a.Metadata["version"].ShouldBe("2.3.1");
        a.Metadata["consul.datacenter"].ShouldBe("dc-east");
        a.Metadata["consul.node"].ShouldBe("worker-a");
        a.Metadata["consul.weights.passing"].ShouldBe("3");

        var b = instances[1];
        b.Host.ShouldBe("10.40.7.33");
        b.Health.ShouldBe(HealthStatus.Unhealthy);
        b.Zone.ShouldBeNull();
        b.Metadata["consul.tagged.lan_ipv4"].ShouldBe("10.40.7.33:8080", "lower-case doc-sample keys parse too");
        b.Metadata["consul.tagged.wan_ipv4"].ShouldBe("198.51.100.33:18080");
    }

    [Theory]
    [InlineData("passing", "passing", null, HealthStatus.Healthy)]
    [InlineData("passing", "warning", null, HealthStatus.Unhealthy)]
    [InlineData("critical", "passing", null, HealthStatus.Unhealthy)] // serfHealth critical: the node is gone
    [InlineData("passing", "passing", "_service_maintenance:web-1", HealthStatus.Draining)]
    [InlineData("passing", "passing", "_node_maintenance", HealthStatus.Draining)]
    [InlineData("passing", "bogus", null, HealthStatus.Unknown)]
    public void MapHealth_WorstCheckOfNodeAndService_MapsToHealth(string serf, string service, string? maintenance, HealthStatus expected)
    {
        List<ConsulHealthCheck> checks =
        [
            new() { CheckID = "serfHealth", Status = serf, ServiceID = string.Empty },
            new() { CheckID = "service:web-1", Status = service, ServiceID = "web-1" },
        ];
        if (maintenance is not null)
        {
            checks.Add(new() { CheckID = maintenance, Status = "critical", ServiceID = maintenance.StartsWith("_service", StringComparison.Ordinal) ? "web-1" : string.Empty });
        }

        ConsulHealth.Map(checks).ShouldBe(expected);
    }

    [Fact]
    public void MapHealth_CheckOfAnotherServiceIdInTheEntry_CountsToo()
    {
        List<ConsulHealthCheck> checks =
        [
            new() { CheckID = "serfHealth", Status = "passing", ServiceID = string.Empty },
            new() { CheckID = "service:web-1", Status = "passing", ServiceID = "web-1" },
            new() { CheckID = "sidecar-alive", Status = "critical", ServiceID = "web-1-sidecar-proxy" },
        ];

        ConsulHealth.Map(checks).ShouldBe(HealthStatus.Unhealthy, "the worst of all checks of the entry, as the README and Consul's UI say");
    }

    [Fact]
    public void MapHealth_NoChecks_IsHealthy() => ConsulHealth.Map(null).ShouldBe(HealthStatus.Healthy);

    [Fact]
    public void ParseHealth_BadEntries_AreSkippedAndNeighboursKept()
    {
        const string json = """
        [
          { "Node": { "Node": "n1", "Address": "10.0.0.1" }, "Service": { "ID": "ok-1", "Service": "web", "Port": 80, "Tags": null, "Meta": null }, "Checks": null },
          { "Node": { "Node": "n2", "Address": "10.0.0.2" }, "Service": { "ID": "bad-port", "Service": "web", "Port": 70000 }, "Checks": [] },
          { "Node": { "Node": "n3", "Address": "10.0.0.3" }, "Service": { "ID": "neg-port", "Service": "web", "Port": -1 }, "Checks": [] },
          { "Node": { "Node": "n4", "Address": "10.0.0.4" }, "Service": { "ID": "typed", "Service": "web", "Port": "eighty" }, "Checks": [] },
          { "Node": { "Node": "n5", "Address": "10.0.0.5" }, "Service": { "ID": "../evil", "Service": "web", "Port": 80 }, "Checks": [] },
          { "Node": { "Node": "n6", "Address": "not a host!" }, "Service": { "ID": "bad-host", "Service": "web", "Port": 80 }, "Checks": [] },
          { "Node": { "Node": "n7", "Address": "10.0.0.7" }, "Service": { "ID": "sidecar", "Service": "web", "Port": 21000, "Kind": "connect-proxy" }, "Checks": [] },
          { "Node": { "Node": "n8", "Address": "10.0.0.8" }, "Service": { "ID": "ok-2", "Service": "web", "Port": 0 }, "Checks": [] }
        ]
        """;

        var (instances, skipped) = Mapper().ParseHealth("web", Encoding.UTF8.GetBytes(json));

        instances.Select(i => i.Id).ShouldBe(["ok-1", "ok-2"]);
        instances[1].Ports.ShouldBeEmpty("a service registered without a port has no ports");
        skipped.Count.ShouldBe(5, "two ports out of range, a mistyped port, a hostile id and a bad host; the proxy is left out, not reported");
        skipped.ShouldContain(s => s.Reason.Contains("70000"));
        skipped.ShouldContain(s => s.Reason.Contains("malformed entry"));
        skipped.ShouldContain(s => s.Reason.Contains(".."));
    }

    [Fact]
    public void ParseHealth_SameIdOnTwoNodes_KeepsBothApart()
    {
        const string json = """
        [
          { "Node": { "Node": "a", "Address": "10.0.0.1" }, "Service": { "ID": "web", "Service": "web", "Port": 80 } },
          { "Node": { "Node": "b", "Address": "10.0.0.2" }, "Service": { "ID": "web", "Service": "web", "Port": 80 } }
        ]
        """;

        var (instances, _) = Mapper().ParseHealth("web", Encoding.UTF8.GetBytes(json));

        instances.Select(i => i.Id).ShouldBe(["web@a", "web@b"]);
    }

    [Fact]
    public void ParseHealth_NotJson_Throws()
    {
        Should.Throw<RegistryException>(() => Mapper().ParseHealth("web", Encoding.UTF8.GetBytes("[{\"Node\": ")));
        Should.Throw<RegistryException>(() => Mapper().ParseHealth("web", Encoding.UTF8.GetBytes("{}")));
    }

    [Fact]
    public void ParseCatalog_HostileNamesAndTagFilter_SkipsAndFilters()
    {
        const string json = """{ "consul": [], "billing": ["v2", "http"], "../x": [], "a/b": ["v2"], "ledger": ["v1"] }""";

        var (names, skipped) = Mapper(o => o.TagFilter.Add("v2")).ParseCatalog(Encoding.UTF8.GetBytes(json));

        names.ShouldBe(["billing"]);
        skipped.Select(s => s.Key).ShouldBe(["service ../x", "service a/b"]);
    }

    [Theory]
    [InlineData("https", null, "https")]
    [InlineData(null, "true", "https")]
    [InlineData(null, null, "http")]
    [InlineData("GRPC", null, "grpc")]
    public void ParseHealth_ProtocolFromMeta_SetsPortProtocol(string? scheme, string? secure, string expected)
    {
        var meta = new List<string>();
        if (scheme is not null)
        {
            meta.Add($"\"scheme\": \"{scheme}\"");
        }

        if (secure is not null)
        {
            meta.Add($"\"secure\": \"{secure}\"");
        }

        var json = $$"""[{ "Node": { "Node": "a", "Address": "10.0.0.1" }, "Service": { "ID": "w", "Service": "web", "Port": 443, "Meta": { {{string.Join(",", meta)}} } } }]""";

        var (instances, _) = Mapper().ParseHealth("web", Encoding.UTF8.GetBytes(json));

        instances.Single().Ports.Single().Protocol.ShouldBe(expected);
    }
}
