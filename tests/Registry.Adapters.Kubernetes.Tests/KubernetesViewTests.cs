using Shouldly;
using Xunit;

namespace Registry.Adapters.Kubernetes.Tests;

public sealed class KubernetesViewTests
{
    [Fact]
    public void Flush_OverlapAppearsAndGoes_DeduplicatesThenReturnsToPlainJoin()
    {
        var view = new KubernetesView();
        view.ApplySlice(false, K8sObjects.Slice("shop", "orders", "orders-a", new Ep("10.0.0.1", "p1"), new Ep("10.0.0.2", "p2")));
        view.ApplySlice(false, K8sObjects.Slice("shop", "orders", "orders-b", new Ep("10.0.0.3", "p3")));
        view.Flush().ShouldHaveSingleItem().Instances.Select(i => i.Id).ShouldBe(["p1", "p2", "p3"]);

        // p2 moves to slice b: for a while it is in both.
        view.ApplySlice(false, K8sObjects.Slice("shop", "orders", "orders-b", new Ep("10.0.0.3", "p3"), new Ep("10.0.0.2", "p2")));
        view.Flush().ShouldBeEmpty("the same set, deduplicated, is no change");

        view.ApplySlice(false, K8sObjects.Slice("shop", "orders", "orders-a", new Ep("10.0.0.1", "p1")));
        view.Flush().ShouldHaveSingleItem().Instances.Select(i => i.Id).ShouldBe(["p1", "p3", "p2"]);

        view.ApplySlice(true, K8sObjects.Slice("shop", "orders", "orders-a"));
        view.ApplySlice(true, K8sObjects.Slice("shop", "orders", "orders-b"));
        var gone = view.Flush().ShouldHaveSingleItem();
        gone.Service.ShouldBe("orders.shop");
        gone.Instances.ShouldBeEmpty();
    }

    [Fact]
    public void ReplaceSlices_Relist_DeletesWhatTheListNoLongerHasInItsNamespaceOnly()
    {
        var view = new KubernetesView();
        view.ApplySlice(false, K8sObjects.Slice("shop", "orders", "orders-a", new Ep("10.0.0.1", "p1")));
        view.ApplySlice(false, K8sObjects.Slice("shop", "billing", "billing-a", new Ep("10.0.0.2", "p2")));
        view.ApplySlice(false, K8sObjects.Slice("web", "billing", "billing-a", new Ep("10.0.1.2", "p2")));
        view.Flush();

        view.ReplaceSlices("shop", [K8sObjects.Slice("shop", "orders", "orders-a", new Ep("10.0.0.1", "p1"))]);

        view.Snapshot().Services.Keys.Order(StringComparer.Ordinal).ShouldBe(["billing.web", "orders.shop"]);
    }
}
