using System.Text.Json;
using System.Text.Json.Nodes;
using k8s.Models;
using Registry.Adapters.Kubernetes.Istio;
using Registry.Adapters.Kubernetes.Tests;
using Shouldly;
using Xunit;

namespace Registry.Adapters.Sync.Tests.Backends;

/// <summary><c>mesh-sync sync --to istio</c> end to end: the ServiceEntries of the kubeconfig's cluster, on the fake API server.</summary>
public sealed class IstioSyncConsoleTests : IAsyncLifetime
{
    private const string Token = "istio-sync-token";
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

    private int Writes => _kube.RbacRequests.Count(r => r.Verb is "patch" or "delete" or "create" or "update");

    private static JsonElement Target(CliResult run)
    {
        using var plan = JsonDocument.Parse(run.Stdout);
        return plan.RootElement.GetProperty("targets")[0].Clone();
    }

    private static string Label(JsonObject entry, string key) => entry["metadata"]!["labels"]![key]!.GetValue<string>();

    [Fact]
    public async Task Sync_ToIstio_CreateUpdateDeleteForeignUntouchedRestartWritesNothing()
    {
        var kubeconfig = KubernetesConsoleTests.WriteKubeconfig(_files, _kube.Url, token: Token);
        var source = _files.Write("source.json", TempCatalogs.A);
        string[] args = ["sync", "--kubeconfig", kubeconfig, "--file", source, "--to", "istio", "--once", "--output", "json"];
        _kube.PutService(new V1Service { Metadata = new V1ObjectMeta { Name = "cart", NamespaceProperty = "shop" }, Spec = new V1ServiceSpec { Ports = [new V1ServicePort { Name = "http", Port = 80 }] } });
        _kube.PutSlice(KubernetesConsoleTests.Slice("shop", "cart", "cart-1", ("10.8.0.9", "cart-1", true, false)));
        _kube.PutObject("serviceentries", JsonNode.Parse("""
            {"metadata":{"name":"inventory","namespace":"mesh","labels":{"team":"platform"}},"spec":{"hosts":["inventory.example.com"],"resolution":"DNS"}}
            """)!.AsObject());

        var created = await CliRun.InProcessAsync(args);

        created.ExitCode.ShouldBe(0, created.ToString());
        Target(created).GetProperty("target").GetString().ShouldBe("istio");
        Target(created).GetProperty("creates").GetArrayLength().ShouldBe(3);
        _kube.Objects("serviceentries").Select(e => e["metadata"]!["name"]!.GetValue<string>()).Order().ToList().ShouldBe(["inventory", "orders", "payments"],
            customMessage: "the cluster's own services (cart.shop) are not mirrored into it");
        var orders = _kube.GetObject("serviceentries", "mesh", "orders")!;
        Label(orders, KubernetesOwnership.SyncIdLabel).ShouldBe("mesh-sync");
        Label(orders, KubernetesOwnership.OriginLabel).ShouldBe("file");
        orders["spec"]!["endpoints"]!.AsArray().Count.ShouldBe(2);

        var writes = Writes;
        var restarted = await CliRun.InProcessAsync(args);

        restarted.ExitCode.ShouldBe(0, restarted.ToString());
        Target(restarted).GetProperty("creates").GetArrayLength().ShouldBe(0);
        Writes.ShouldBe(writes, "a restarted sync finds what it wrote and writes nothing");

        _files.Replace(source, TempCatalogs.A.Replace("\"port\": 8443", "\"port\": 9443", StringComparison.Ordinal)
            .Replace("{ \"name\": \"payments\"", "{ \"name\": \"inventory\", \"instances\": [ { \"id\": \"inventory-1\", \"host\": \"10.0.2.1\" } ] },\n  { \"name\": \"payments\"", StringComparison.Ordinal));
        var updated = await CliRun.InProcessAsync(args);

        updated.ExitCode.ShouldBe(0, updated.ToString());
        Target(updated).GetProperty("updates").GetArrayLength().ShouldBe(1);
        _kube.GetObject("serviceentries", "mesh", "payments")!["spec"]!["ports"]![0]!["number"]!.GetValue<long>().ShouldBe(9443);
        var rejected = Target(updated).GetProperty("rejected").EnumerateArray().ShouldHaveSingleItem();
        rejected.GetProperty("key").GetString().ShouldBe("inventory/inventory-1");
        rejected.GetProperty("reason").GetString()!.ShouldContain("without this sync's ownership labels");
        var foreign = _kube.GetObject("serviceentries", "mesh", "inventory")!;
        foreign["spec"]!["hosts"]![0]!.GetValue<string>().ShouldBe("inventory.example.com", "a foreign ServiceEntry is never overwritten");
        foreign["metadata"]!["labels"]!.AsObject().ContainsKey(KubernetesOwnership.SyncIdLabel).ShouldBeFalse();

        _files.Replace(source, TempCatalogs.A[..TempCatalogs.A.IndexOf(",\n  { \"name\": \"payments\"", StringComparison.Ordinal)] + "\n] }");
        var deleted = await CliRun.InProcessAsync(args);

        deleted.ExitCode.ShouldBe(0, deleted.ToString());
        Target(deleted).GetProperty("deletes").GetArrayLength().ShouldBe(1);
        _kube.GetObject("serviceentries", "mesh", "payments").ShouldBeNull();
        _kube.GetObject("serviceentries", "mesh", "orders").ShouldNotBeNull();
        _kube.GetObject("serviceentries", "mesh", "inventory").ShouldNotBeNull("a foreign ServiceEntry is never deleted");
    }

    [Fact]
    public async Task Sync_ToIstioWithTwoClusters_UsageErrorThenIstioColonNamePicksOne()
    {
        await using var other = await FakeKubeApiServer.StartAsync();
        other.RequiredToken = Token;
        var first = KubernetesConsoleTests.WriteKubeconfig(_files, _kube.Url, token: Token);
        var second = _files.Write("kubeconfig-2", File.ReadAllText(first).Replace(_kube.Url.ToString().TrimEnd('/'), other.Url.ToString().TrimEnd('/'), StringComparison.Ordinal));
        var source = _files.Write("source.json", TempCatalogs.A);
        string[] registries = ["--kubeconfig", first, "--kubeconfig", second, "--file", source];

        var ambiguous = await CliRun.InProcessAsync(["sync", .. registries, "--to", "istio", "--once"]);

        ambiguous.ExitCode.ShouldBe(2, ambiguous.ToString());
        ambiguous.Stderr.ShouldContain("'istio:kubernetes' or 'istio:kubernetes-2'");

        var chosen = await CliRun.InProcessAsync(["sync", .. registries, "--to", "istio:kubernetes-2", "--once", "--output", "json"]);

        chosen.ExitCode.ShouldBe(0, chosen.ToString());
        Target(chosen).GetProperty("target").GetString().ShouldBe("istio:kubernetes-2");
        other.Objects("serviceentries").Count.ShouldBe(2);
        _kube.Objects("serviceentries").ShouldBeEmpty();
    }
}
