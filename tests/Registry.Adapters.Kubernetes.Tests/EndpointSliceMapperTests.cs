using k8s.Models;
using Shouldly;
using Xunit;

namespace Registry.Adapters.Kubernetes.Tests;

public sealed class EndpointSliceMapperTests
{
    [Theory]
    [InlineData(null, null, null, HealthStatus.Healthy)]
    [InlineData(true, true, false, HealthStatus.Healthy)]
    [InlineData(false, false, false, HealthStatus.Unhealthy)]
    [InlineData(false, true, true, HealthStatus.Draining)]
    [InlineData(false, null, true, HealthStatus.Unhealthy)]
    [InlineData(false, false, true, HealthStatus.Unhealthy)]
    [InlineData(false, true, false, HealthStatus.Unhealthy)]
    [InlineData(false, true, null, HealthStatus.Unhealthy)]
    public void HealthOf_Conditions_FollowDesign(bool? ready, bool? serving, bool? terminating, HealthStatus expected) =>
        EndpointSliceMapper.HealthOf(new V1EndpointConditions { Ready = ready, Serving = serving, Terminating = terminating }).ShouldBe(expected);

    [Fact]
    public void HealthOf_NotReadyTerminatingServingMissing_IsUnhealthyAsServingDefaultsToReady() =>
        EndpointSliceMapper.HealthOf(new V1EndpointConditions { Ready = false, Serving = null, Terminating = true }).ShouldBe(HealthStatus.Unhealthy);

    [Fact]
    public void HealthOf_NoConditions_IsHealthy() => EndpointSliceMapper.HealthOf(null).ShouldBe(HealthStatus.Healthy);

    [Theory]
    [InlineData("web", "TCP", "http", "http")]
    [InlineData("web", "TCP", "kubernetes.io/h2c", "h2c")]
    [InlineData("web", "TCP", "example.com/Custom", "custom")]
    [InlineData("http", "TCP", null, "http")]
    [InlineData("http-metrics", "TCP", null, "http")]
    [InlineData("https-admin", "TCP", null, "https")]
    [InlineData("grpc", "TCP", null, "grpc")]
    [InlineData("grpc-internal", "TCP", null, "grpc")]
    [InlineData("httpx", "TCP", null, "tcp")]
    [InlineData("", "TCP", null, "tcp")]
    [InlineData(null, "UDP", null, "udp")]
    [InlineData("dns", "SCTP", "", "sctp")]
    public void ProtocolOf_AppProtocolThenNamePrefixThenTransport(string? name, string? transport, string? appProtocol, string expected) =>
        EndpointSliceMapper.ProtocolOf(name, transport, appProtocol).ShouldBe(expected);

    [Fact]
    public void Map_SliceWithoutServiceNameLabel_IsIgnored()
    {
        var slice = K8sObjects.Slice("shop", "billing", "billing-1", new Ep("10.0.0.1", "p1"));
        slice.Metadata.Labels.Remove("kubernetes.io/service-name");

        var mapped = EndpointSliceMapper.Map(slice, null);

        mapped.SourceName.ShouldBeNull();
        mapped.Instances.ShouldBeEmpty();
        mapped.Skipped.ShouldBeEmpty();
    }

    [Fact]
    public void Map_NullEndpointsAndPorts_AreEmpty()
    {
        var slice = K8sObjects.Slice("shop", "billing", "billing-1");
        slice.Endpoints = null;
        slice.Ports = null;

        var mapped = EndpointSliceMapper.Map(slice, null);

        mapped.SourceName.ShouldBe("billing.shop");
        mapped.Instances.ShouldBeEmpty();
        mapped.Skipped.ShouldBeEmpty();
    }

    [Fact]
    public void Map_Endpoint_KeepsPodIdZoneNodeAndServiceLabels()
    {
        var service = ServiceInfo.From(K8sObjects.Service("shop", "billing", new Dictionary<string, string> { ["team"] = "payments" }), []);
        var slice = K8sObjects.Slice(
            "shop", "billing", "billing-1",
            [new Ep("10.0.0.1", "billing-abc", Zone: "us-east-1a", Node: "node-a"), new Ep("10.0.0.2")],
            ("http", 8080, null), ("", 9090, null), ("grpc-api", 7000, null));

        var mapped = EndpointSliceMapper.Map(slice, service);

        mapped.Instances.Count.ShouldBe(2);
        var first = mapped.Instances[0];
        first.Service.ShouldBe("billing.shop");
        first.Id.ShouldBe("billing-abc");
        first.Host.ShouldBe("10.0.0.1");
        first.Zone.ShouldBe("us-east-1a");
        first.Metadata["nodeName"].ShouldBe("node-a");
        first.Metadata["team"].ShouldBe("payments");
        first.Ports.ShouldBe([new ServicePort("http", 8080, "http"), new ServicePort("port-9090", 9090, "tcp"), new ServicePort("grpc-api", 7000, "grpc")]);
        var second = mapped.Instances[1];
        second.Id.ShouldBe("10.0.0.2", "without a targetRef the address is the id");
        second.Zone.ShouldBeNull();
        second.Metadata.ContainsKey("nodeName").ShouldBeFalse();
    }

    [Fact]
    public void Map_EndpointWithoutAddresses_IsSkippedAndNeighboursKept()
    {
        var slice = K8sObjects.Slice("shop", "billing", "billing-1", new Ep("10.0.0.1", "a"), new Ep("10.0.0.2", "b"));
        slice.Endpoints[0].Addresses = [];

        var mapped = EndpointSliceMapper.Map(slice, null);

        mapped.Instances.Select(i => i.Id).ShouldBe(["b"]);
        mapped.Skipped.ShouldHaveSingleItem().Reason.ShouldContain("no addresses");
    }

    [Fact]
    public void Map_PortOutOfRange_IsSkippedAndReported()
    {
        var slice = K8sObjects.Slice("shop", "billing", "billing-1", [new Ep("10.0.0.1", "a")], ("http", 70000, null), ("grpc", 9090, null));

        var mapped = EndpointSliceMapper.Map(slice, null);

        mapped.Instances.ShouldHaveSingleItem().Ports.ShouldBe([new ServicePort("grpc", 9090, "grpc")]);
        mapped.Skipped.ShouldHaveSingleItem().Reason.ShouldContain("out of range");
    }

    [Fact]
    public void Map_HostileAddressOrPodName_IsSkipped()
    {
        var slice = K8sObjects.Slice("shop", "billing", "billing-1", new Ep("not an address", "a"), new Ep("10.0.0.2", "../../etc"), new Ep("10.0.0.3", "ok"));

        var mapped = EndpointSliceMapper.Map(slice, null);

        mapped.Instances.Select(i => i.Id).ShouldBe(["ok"]);
        mapped.Skipped.Count.ShouldBe(2);
    }

    [Fact]
    public void Map_HostileServiceNameLabel_SkipsTheSlice()
    {
        var slice = K8sObjects.Slice("shop", "orders", "orders-1", new Ep("10.0.0.1", "a"));
        slice.Metadata.Labels["kubernetes.io/service-name"] = "../../etc/passwd";

        var mapped = EndpointSliceMapper.Map(slice, null);

        mapped.SourceName.ShouldBeNull();
        mapped.Instances.ShouldBeEmpty();
        mapped.Skipped.ShouldHaveSingleItem().Reason.ShouldContain("..");
    }

    [Fact]
    public void From_ExternalNameService_IsOneInstanceAtTheExternalName()
    {
        var service = K8sObjects.Service("shop", "payments-ext", type: "ExternalName", externalName: "payments.partner.example.com", ports: [("https", 443)]);

        var info = ServiceInfo.From(service, []);

        info.External.ShouldNotBeNull();
        info.External.Service.ShouldBe("payments-ext.shop");
        info.External.Host.ShouldBe("payments.partner.example.com");
        info.External.Ports.ShouldBe([new ServicePort("https", 443, "https")]);
    }

    [Fact]
    public void From_OversizedLabel_IsDroppedAndReported()
    {
        var skipped = new List<SkippedRecord>();
        var service = K8sObjects.Service("shop", "billing", new Dictionary<string, string> { ["ok"] = "1", ["big"] = new string('x', 5000) });

        var info = ServiceInfo.From(service, skipped);

        info.Labels.Keys.ShouldBe(["ok"]);
        skipped.ShouldHaveSingleItem().Key.ShouldContain("big");
    }
}
