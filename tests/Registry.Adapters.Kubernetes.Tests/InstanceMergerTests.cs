using Shouldly;
using Xunit;

namespace Registry.Adapters.Kubernetes.Tests;

public sealed class InstanceMergerTests
{
    [Fact]
    public void Merge_SameAddressInTwoSlices_IsOneInstanceAndHealthierWins()
    {
        var old = EndpointSliceMapper.Map(K8sObjects.Slice("shop", "billing", "billing-a", new Ep("10.0.0.1", "p1", Ready: false, Serving: true, Terminating: true)), null);
        var next = EndpointSliceMapper.Map(K8sObjects.Slice("shop", "billing", "billing-b", new Ep("10.0.0.1", "p1"), new Ep("10.0.0.2", "p2")), null);

        var merged = InstanceMerger.Merge([old, next]);

        merged.Select(i => (i.Host, i.Health)).ShouldBe([("10.0.0.1", HealthStatus.Healthy), ("10.0.0.2", HealthStatus.Healthy)]);
    }

    [Fact]
    public void Merge_SamePodAtTwoAddresses_KeepsIdsUnique()
    {
        var v4 = EndpointSliceMapper.Map(K8sObjects.Slice("shop", "billing", "billing-v4", new Ep("10.0.0.1", "p1")), null);
        var v6 = EndpointSliceMapper.Map(K8sObjects.Slice("shop", "billing", "billing-v6", new Ep("fd00::1", "p1")), null);

        var merged = InstanceMerger.Merge([v4, v6]);

        merged.Select(i => i.Id).ShouldBe(["p1", "p1-fd00::1"]);
        merged.Select(i => ServiceInstanceValidator.Validate(i)).ShouldAllBe(e => e == null);
    }

    [Fact]
    public void Merge_DifferentPortsOnOneAddress_AreTwoInstances()
    {
        var a = EndpointSliceMapper.Map(K8sObjects.Slice("shop", "billing", "billing-a", [new Ep("10.0.0.1", "p1")], ("http", 8080, null)), null);
        var b = EndpointSliceMapper.Map(K8sObjects.Slice("shop", "billing", "billing-b", [new Ep("10.0.0.1", "p2")], ("http", 8081, null)), null);

        InstanceMerger.Merge([a, b]).Count.ShouldBe(2);
    }
}
