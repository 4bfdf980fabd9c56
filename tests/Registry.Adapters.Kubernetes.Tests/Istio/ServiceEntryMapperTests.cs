using System.Collections.Immutable;
using System.Text.Json.Nodes;
using Registry.Adapters.Kubernetes.Istio;
using Shouldly;
using Xunit;

namespace Registry.Adapters.Kubernetes.Tests.Istio;

public sealed class ServiceEntryMapperTests
{
    private static readonly IstioMappingOptions Defaults = new();

    internal static MeshInstance Instance(string registry, string id, string host, params ServicePort[] ports) =>
        new(registry, new ServiceInstance { Service = "orders", Id = id, Host = host, Ports = ports });

    internal static MeshService Service(string name, params MeshInstance[] instances) => new(name, [.. instances], MergePolicy.Union);

    private static IstioMapping MapValid(MeshService service, IstioMappingOptions? options = null)
    {
        var mapping = ServiceEntryMapper.Map(service, options ?? Defaults);
        foreach (var obj in mapping.Objects)
        {
            IstioCrdRules.Validate(obj).ShouldBeEmpty(obj.ToJsonString());
        }

        return mapping;
    }

    private static JsonObject Spec(IstioMapping mapping) => mapping.ServiceEntry!["spec"]!.AsObject();

    [Fact]
    public void Map_IpInstances_StaticWithHostFromTemplateAndNamedEndpointPorts()
    {
        var mapping = MapValid(Service("orders",
            Instance("consul", "o1", "10.0.0.1", new ServicePort("http", 8080, "http"), new ServicePort("grpc", 9090, "grpc")),
            Instance("consul", "o2", "10.0.0.2", new ServicePort("http", 8081, "http"))));

        var spec = Spec(mapping);
        spec["hosts"]!.AsArray().Select(h => h!.GetValue<string>()).ShouldBe(["orders.mesh"]);
        spec["location"]!.GetValue<string>().ShouldBe("MESH_INTERNAL");
        spec["resolution"]!.GetValue<string>().ShouldBe("STATIC");
        spec["ports"]!.ToJsonString().ShouldBe("""[{"name":"grpc","number":9090,"protocol":"GRPC"},{"name":"http","number":8080,"protocol":"HTTP"}]""");
        var endpoints = spec["endpoints"]!.AsArray();
        endpoints.Count.ShouldBe(2);
        endpoints[0]!["ports"]!.ToJsonString().ShouldBe("""{"http":8080,"grpc":9090}""");
        endpoints[1]!["ports"]!.ToJsonString().ShouldBe("""{"http":8081}""", "each endpoint maps the service port name to its own number");
        mapping.ServiceEntry!["metadata"]!["labels"]!.ToJsonString().ShouldBe(
            """{"app.kubernetes.io/managed-by":"mesh-sync","registry-adapters.io/origin":"consul","registry-adapters.io/service":"orders","registry-adapters.io/sync-id":"mesh-sync"}""");
        mapping.Skipped.ShouldBeEmpty();
    }

    [Fact]
    public void Map_AnyHostName_DnsResolutionAndLowerCaseAddress()
    {
        var mapping = MapValid(Service("inventory",
            Instance("eureka", "i1", "Inventory-1.Shop.Internal", new ServicePort("http", 8080, "http")),
            Instance("eureka", "i2", "10.0.0.2", new ServicePort("http", 8080, "http"))));

        Spec(mapping)["resolution"]!.GetValue<string>().ShouldBe("DNS");
        Spec(mapping)["endpoints"]![0]!["address"]!.GetValue<string>().ShouldBe("inventory-1.shop.internal");
    }

    [Theory]
    [InlineData("http", "tcp", "TCP")]
    [InlineData("http-admin", "", "HTTP")]
    [InlineData("grpc", "", "GRPC")]
    [InlineData("metrics", "tcp", "TCP")]
    [InlineData("web", "h2c", "HTTP2")]
    [InlineData("web", "http2", "HTTP2")]
    [InlineData("secure", "https", "HTTPS")]
    [InlineData("db", "tls", "TLS")]
    [InlineData("dns", "udp", "TCP")]
    [InlineData("ws", "websocket", "TCP")]
    public void Map_PortProtocol_IstioNameOrNamePrefixElseTcp(string name, string protocol, string expected)
    {
        var mapping = MapValid(Service("orders", Instance("etcd", "o1", "10.0.0.1", new ServicePort(name, 7000, protocol))));

        Spec(mapping)["ports"]![0]!["protocol"]!.GetValue<string>().ShouldBe(expected);
    }

    [Fact]
    public void Map_UnnamedAndOddPortNames_ValidUniqueNames()
    {
        var mapping = MapValid(Service("orders", Instance("etcd", "o1", "10.0.0.1",
            new ServicePort("", 9100, "tcp"), new ServicePort("Admin_Port", 9200, "http"), new ServicePort(new string('p', 80), 9300, "tcp"))));

        Spec(mapping)["ports"]!.AsArray().Select(p => p!["name"]!.GetValue<string>()).ShouldBe(["admin-port", new string('p', 62), "tcp-9100"]);
    }

    [Fact]
    public void Map_TwoPortNamesOneNumber_SecondSkippedAndReported()
    {
        var mapping = MapValid(Service("orders",
            Instance("consul", "o1", "10.0.0.1", new ServicePort("http", 8080, "http")),
            Instance("eureka", "o2", "10.0.0.2", new ServicePort("web", 8080, "http"))));

        Spec(mapping)["ports"]!.AsArray().Select(p => p!["name"]!.GetValue<string>()).ShouldBe(["http"]);
        mapping.Skipped.ShouldHaveSingleItem().What.ShouldBe("port web");
        Spec(mapping)["endpoints"]![1]!.AsObject().ContainsKey("ports").ShouldBeFalse("the endpoint's only port lost the conflict");
        mapping.ServiceEntry!["metadata"]!["labels"]![KubernetesOwnership.OriginLabel]!.GetValue<string>().ShouldBe("consul.eureka");
    }

    [Fact]
    public void Map_HostileServiceName_SkippedWithReason()
    {
        var mapping = ServiceEntryMapper.Map(Service("orders_v2/../x", Instance("consul", "o1", "10.0.0.1")), Defaults);

        mapping.ServiceEntry.ShouldBeNull();
        mapping.Skipped.ShouldHaveSingleItem().Reason.ShouldContain("not a DNS-1123 name");
    }

    [Fact]
    public void Map_HostileInstance_SkippedOthersKept()
    {
        var mapping = MapValid(Service("orders",
            Instance("consul", "o1", "10.0.0.1"),
            Instance("consul", "o2", "evil host;rm -rf"),
            Instance("consul", "o3", "*.example.com"),
            Instance("consul", "o4", "fe80::1%eth0")));

        Spec(mapping)["endpoints"]!.AsArray().Select(e => e!["address"]!.GetValue<string>()).ShouldBe(["10.0.0.1"]);
        mapping.Skipped.Select(s => s.What).ShouldBe(["instance consul/o2", "instance consul/o3", "instance consul/o4"]);
    }

    [Fact]
    public void Map_MetadataAndTags_ValidLabelsOnlyOwnershipNeverOverridden()
    {
        var instance = new ServiceInstance
        {
            Service = "orders",
            Id = "o1",
            Host = "10.0.0.1",
            Health = HealthStatus.Draining,
            Tags = ["primary", "version=2.1", "bad tag!", "env=prod=eu"],
            Metadata = new Dictionary<string, string>
            {
                ["team"] = "checkout",
                ["app.kubernetes.io/managed-by"] = "someone-else",
                ["registry-adapters.io/sync-id"] = "forged",
                ["mesh-sync-id"] = "other",
                ["has space"] = "x",
                ["long"] = new string('v', 64),
                ["url"] = "http://x/y",
                ["empty"] = "",
            },
        };

        var mapping = MapValid(Service("orders", new MeshInstance("consul", instance)));

        Spec(mapping)["endpoints"]![0]!["labels"]!.ToJsonString().ShouldBe(
            """{"empty":"","registry-adapters.io/health":"draining","registry-adapters.io/registry":"consul","tag.registry-adapters.io/primary":"true","team":"checkout","version":"2.1"}""");
        mapping.Skipped.Count.ShouldBe(5, string.Join("\n", mapping.Skipped));
        mapping.ServiceEntry!["metadata"]!["labels"]![KubernetesOwnership.SyncIdLabel]!.GetValue<string>().ShouldBe("mesh-sync");
    }

    [Theory]
    [InlineData("us-east-1a", null, null, "us-east-1/us-east-1a")]
    [InlineData("europe-west1-b", null, null, "europe-west1/europe-west1-b")]
    [InlineData("zone-c", "dc-east", null, "dc-east/zone-c")]
    [InlineData("zone-c", null, "onprem", "onprem/zone-c")]
    [InlineData("zone-c", null, null, null)]
    [InlineData(null, null, "onprem", null)]
    public void Map_Zone_LocalityRegionSlashZone(string? zone, string? regionMetadata, string? defaultRegion, string? expected)
    {
        var instance = new ServiceInstance
        {
            Service = "orders",
            Id = "o1",
            Host = "10.0.0.1",
            Zone = zone,
            Metadata = regionMetadata is null ? new Dictionary<string, string>() : new Dictionary<string, string> { ["region"] = regionMetadata },
        };

        var mapping = MapValid(Service("orders", new MeshInstance("consul", instance)), new IstioMappingOptions { DefaultRegion = defaultRegion });

        Spec(mapping)["endpoints"]![0]!["locality"]?.GetValue<string>().ShouldBe(expected);
    }

    [Fact]
    public void Map_WeightOptionAndMetadata_MetadataWins()
    {
        var heavy = new ServiceInstance { Service = "orders", Id = "o2", Host = "10.0.0.2", Metadata = new Dictionary<string, string> { ["weight"] = "7" } };
        var mapping = MapValid(Service("orders", Instance("consul", "o1", "10.0.0.1"), new MeshInstance("consul", heavy)), new IstioMappingOptions { Weight = 3 });

        Spec(mapping)["endpoints"]!.AsArray().Select(e => e!["weight"]!.GetValue<int>()).ShouldBe([3, 7]);
    }

    [Fact]
    public void Map_MoreThan4096Endpoints_StandaloneWorkloadEntriesSelected()
    {
        var instances = Enumerable.Range(0, 4097)
            .Select(i => Instance("etcd", $"o{i}", $"10.{i / 65536}.{i / 256 % 256}.{i % 256}", new ServicePort("http", 8080, "http")))
            .ToArray();

        var mapping = MapValid(Service("orders", instances));

        var spec = Spec(mapping);
        spec.ContainsKey("endpoints").ShouldBeFalse();
        spec["workloadSelector"]!.ToJsonString().ShouldBe("""{"labels":{"registry-adapters.io/service":"orders"}}""");
        mapping.WorkloadEntries.Count.ShouldBe(4097);
        mapping.WorkloadEntries.Select(w => w["metadata"]!["name"]!.GetValue<string>()).Distinct().Count().ShouldBe(4097);
        mapping.WorkloadEntries.ShouldAllBe(w => w["spec"]!["labels"]![KubernetesOwnership.ServiceLabel]!.GetValue<string>() == "orders");
    }

    [Fact]
    public void Map_WorkloadEntriesOption_StandaloneAtAnySize()
    {
        var mapping = MapValid(Service("orders", Instance("etcd", "o1", "10.0.0.1")), new IstioMappingOptions { WorkloadEntries = true, Namespace = "mesh" });

        mapping.WorkloadEntries.ShouldHaveSingleItem()["metadata"]!["namespace"]!.GetValue<string>().ShouldBe("mesh");
        Spec(mapping).ContainsKey("workloadSelector").ShouldBeTrue();
    }

    [Fact]
    public void Map_LongOrOddServiceName_ObjectNameValidAndDistinct()
    {
        var a = MapValid(Service("orders.shop", Instance("k", "o1", "10.0.0.1")), new IstioMappingOptions { HostTemplate = "{service}" });
        var long1 = MapValid(Service(new string('a', 60) + "." + new string('b', 60) + "." + new string('c', 60) + "." + new string('d', 60) + "x", Instance("k", "o1", "10.0.0.1")), new IstioMappingOptions { HostTemplate = "svc.mesh" });
        var long2 = MapValid(Service(new string('a', 60) + "." + new string('b', 60) + "." + new string('c', 60) + "." + new string('d', 60) + "y", Instance("k", "o1", "10.0.0.1")), new IstioMappingOptions { HostTemplate = "svc.mesh" });

        a.ServiceEntry!["metadata"]!["name"]!.GetValue<string>().ShouldBe("orders.shop");
        var n1 = long1.ServiceEntry!["metadata"]!["name"]!.GetValue<string>();
        var n2 = long2.ServiceEntry!["metadata"]!["name"]!.GetValue<string>();
        n1.ShouldNotBe(n2);
        n1.Length.ShouldBeLessThanOrEqualTo(253);
    }

    [Fact]
    public void Map_RandomHostileCatalogs_EveryObjectPassesTheCrdRules()
    {
        var random = new Random(1234);
        const string alphabet = "abcXYZ019-_./:*%@ \u00e9\u0000=";
        string Text(int max) => new([.. Enumerable.Range(0, random.Next(0, max)).Select(_ => alphabet[random.Next(alphabet.Length)])]);
        var objects = 0;
        for (var s = 0; s < 300; s++)
        {
            var instances = Enumerable.Range(0, random.Next(0, 6)).Select(i => new MeshInstance(Text(8), new ServiceInstance
            {
                Service = "x",
                Id = Text(10),
                Host = random.Next(3) == 0 ? $"10.0.0.{i}" : Text(20),
                Zone = random.Next(2) == 0 ? null : Text(12),
                Ports = [.. Enumerable.Range(0, random.Next(0, 4)).Select(_ => new ServicePort(Text(10), random.Next(1, 5), Text(6)))],
                Tags = [.. Enumerable.Range(0, random.Next(0, 3)).Select(_ => Text(12))],
                Metadata = Enumerable.Range(0, random.Next(0, 4)).Select(_ => (Text(10), Text(10))).DistinctBy(p => p.Item1).ToDictionary(p => p.Item1, p => p.Item2),
                Health = (HealthStatus)random.Next(0, 5),
            })).ToArray();
            var options = new IstioMappingOptions { WorkloadEntries = random.Next(2) == 0, Weight = random.Next(2) == 0 ? null : random.Next(1, 100) };

            var name = random.Next(2) == 0 ? $"svc-{s}" : Text(30).ToLowerInvariant();
            var mapping = ServiceEntryMapper.Map(Service(name, instances), options);

            foreach (var obj in mapping.Objects)
            {
                objects++;
                IstioCrdRules.Validate(obj).ShouldBeEmpty(obj.ToJsonString());
            }
        }

        objects.ShouldBeGreaterThan(100, "enough hostile services survive mapping to prove something");
    }
}
