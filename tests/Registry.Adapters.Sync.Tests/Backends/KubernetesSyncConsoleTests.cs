using System.Text.Json;
using k8s.Models;
using Registry.Adapters.Consul.Tests.Fake;
using Registry.Adapters.Kubernetes.Istio;
using Registry.Adapters.Kubernetes.Tests;
using Shouldly;
using Xunit;

namespace Registry.Adapters.Sync.Tests.Backends;

/// <summary><c>mesh-sync sync --to kubernetes</c> end to end on the fake API server, and the loop rule both ways with Consul.</summary>
public sealed class KubernetesSyncConsoleTests : IAsyncLifetime
{
    private const string Token = "kube-sync-token";
    private readonly TempCatalogs _files = new();
    private FakeKubeApiServer _kube = null!;

    public async Task InitializeAsync()
    {
        _kube = await FakeKubeApiServer.StartAsync();
        _kube.RequiredToken = Token;
    }

    public async Task DisposeAsync()
    {
        await _kube.DisposeAsync();
        _files.Dispose();
    }

    private int KubeWrites => _kube.RbacRequests.Count(r => r.Verb is "patch" or "delete" or "create" or "update");

    private static int Writes(CliResult run)
    {
        using var plan = JsonDocument.Parse(run.Stdout);
        return plan.RootElement.GetProperty("writes").GetInt32();
    }

    [Fact]
    public async Task Sync_ToKubernetes_ServicesAndSlicesRestartWritesNothingNativeServiceRejectedListSkipsMirrors()
    {
        var kubeconfig = KubernetesConsoleTests.WriteKubeconfig(_files, _kube.Url, token: Token);
        var source = _files.Write("source.json", TempCatalogs.A);
        _kube.PutService(new V1Service
        {
            Metadata = new V1ObjectMeta { Name = "payments", NamespaceProperty = "mesh", Labels = new Dictionary<string, string> { ["team"] = "pay" } },
            Spec = new V1ServiceSpec { Selector = new Dictionary<string, string> { ["app"] = "payments" }, Ports = [new V1ServicePort { Name = "https", Port = 443 }] },
        });
        _kube.PutSlice(KubernetesConsoleTests.Slice("mesh", "payments", "payments-x1y2z", ("10.8.1.1", "payments-pod", true, false)));
        string[] args = ["sync", "--kubeconfig", kubeconfig, "--file", source, "--to", "kubernetes", "--once", "--output", "json"];

        var first = await CliRun.InProcessAsync(args);

        first.ExitCode.ShouldBe(0, first.ToString());
        Writes(first).ShouldBe(2, "orders-1 and orders-2; payments is held by a native Service");
        using (var plan = JsonDocument.Parse(first.Stdout))
        {
            var rejected = plan.RootElement.GetProperty("targets")[0].GetProperty("rejected").EnumerateArray().ShouldHaveSingleItem();
            rejected.GetProperty("key").GetString().ShouldBe("payments/payments-1");
            rejected.GetProperty("reason").GetString()!.ShouldContain("Service named 'payments' exists in namespace mesh without this sync's ownership labels");
        }

        var orders = _kube.GetObject("services", "mesh", "orders")!;
        orders["metadata"]!["labels"]![KubernetesOwnership.OriginLabel]!.GetValue<string>().ShouldBe("file");
        _kube.GetObject("services", "mesh", "payments")!["spec"]!["selector"]!["app"]!.GetValue<string>().ShouldBe("payments", "the native Service is untouched");
        _kube.Objects("endpointslices").Where(s => s["metadata"]!["labels"]!["endpointslice.kubernetes.io/managed-by"]!.GetValue<string>() != "endpointslice-controller.k8s.io")
            .ShouldAllBe(s => s["metadata"]!["labels"]!["kubernetes.io/service-name"]!.GetValue<string>() == "orders");

        var writes = KubeWrites;
        var again = await CliRun.InProcessAsync(args);

        again.ExitCode.ShouldBe(0, again.ToString());
        Writes(again).ShouldBe(0);
        KubeWrites.ShouldBe(writes, "a restarted sync finds what it wrote and writes nothing");

        var list = await CliRun.InProcessAsync("list", "--kubeconfig", kubeconfig, "--output", "json");
        list.ExitCode.ShouldBe(0, list.ToString());
        list.Stdout.ShouldNotContain("orders.mesh", customMessage: "the catalog skips the mirrored Service (loop safety)");
        list.Stdout.ShouldContain("payments.mesh", customMessage: "the native Service is listed");
    }

    [Fact]
    public async Task Sync_KubernetesToConsulAndConsulToKubernetes_ConvergeWithBoundedWrites()
    {
        await using var consul = await FakeConsulServer.StartAsync();
        consul.PutService("node-1", "10.2.0.1", new FakeServiceSpec("billing-1", "billing") { Address = "10.2.0.1", Port = 9000 });
        _kube.PutService(new V1Service
        {
            Metadata = new V1ObjectMeta { Name = "cart", NamespaceProperty = "shop" },
            Spec = new V1ServiceSpec { Selector = new Dictionary<string, string> { ["app"] = "cart" }, Ports = [new V1ServicePort { Name = "http", Port = 80 }] },
        });
        _kube.PutSlice(KubernetesConsoleTests.Slice("shop", "cart", "cart-abc12", ("10.8.0.1", "cart-1", true, false)));
        var kubeconfig = KubernetesConsoleTests.WriteKubeconfig(_files, _kube.Url, token: Token);
        string[] registries = ["--kubeconfig", kubeconfig, "--consul", consul.Address.ToString(), "--once", "--output", "json"];
        string[] toConsul = ["sync", .. registries, "--to", "consul", "--sync-id", "k2c"];
        string[] toKubernetes = ["sync", .. registries, "--to", "kubernetes", "--sync-id", "c2k"];

        var writes = new List<int>();
        for (var round = 0; round < 3; round++)
        {
            foreach (var args in new[] { toConsul, toKubernetes })
            {
                var run = await CliRun.InProcessAsync(args);
                run.ExitCode.ShouldBe(0, run.ToString());
                writes.Add(Writes(run));
            }
        }

        writes.ShouldBe([1, 1, 0, 0, 0, 0], "each native instance is written once into the other side, the mirrors are never mirrored back");
        consul.NodeServices("k2c").Keys.ShouldBe(["cart.shop:cart-1"]);
        _kube.Objects("services").Where(s => s["metadata"]!["namespace"]!.GetValue<string>() == "mesh").Select(s => s["metadata"]!["name"]!.GetValue<string>())
            .ShouldBe(["billing"], "the Kubernetes service mirrored into Consul does not come back");
    }

    [Fact]
    public async Task Sync_LeaderElectKubernetesOnce_LeadsOnTheLeaseWritesThenReleases()
    {
        var kubeconfig = KubernetesConsoleTests.WriteKubeconfig(_files, _kube.Url, token: Token);
        var source = _files.Write("source.json", TempCatalogs.A);

        var run = await CliRun.InProcessAsync("sync", "--kubeconfig", kubeconfig, "--file", source, "--to", "kubernetes", "--leader-elect", "kubernetes",
            "--lease-duration", "60s", "--once", "--output", "json");

        run.ExitCode.ShouldBe(0, run.ToString());
        Writes(run).ShouldBe(3, run.ToString());
        var lease = _kube.GetObject("leases", "default", "mesh-sync").ShouldNotBeNull("the election's Lease, in the default namespace outside a pod");
        lease["spec"]!["holderIdentity"]!.GetValue<string>().ShouldBeEmpty("a --once leader steps down by releasing the Lease");
        _kube.RbacRequests.ShouldContain(r => r.Resource == "leases" && r.Verb == "delete", "the replica removed its member Lease");
    }
}
