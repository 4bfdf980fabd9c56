using System.Text.Json.Nodes;
using k8s;
using Registry.Adapters.Kubernetes.Istio;
using Shouldly;
using Xunit;

namespace Registry.Adapters.Kubernetes.Tests.Istio;

/// <summary>The istio target against the fake API server: server-side apply, ownership, zero writes when unchanged, drift.</summary>
public sealed class IstioServiceEntryWriterTests : IAsyncLifetime
{
    private const string SyncId = "east";
    private readonly List<k8s.Kubernetes> _clients = [];
    private FakeKubeApiServer _server = null!;

    public async Task InitializeAsync() => _server = await FakeKubeApiServer.StartAsync();

    public async Task DisposeAsync()
    {
        foreach (var client in _clients)
        {
            client.Dispose();
        }

        await _server.DisposeAsync();
    }

    private IstioServiceEntryWriter Writer()
    {
        var client = new k8s.Kubernetes(new KubernetesClientConfiguration { Host = _server.Url.ToString(), AccessToken = FakeKubeconfig.Token });
        _clients.Add(client);
        return new IstioServiceEntryWriter("istio", client, new IstioMappingOptions { Namespace = "mesh" });
    }

    private static ServiceInstance Instance(string service, string id, string host, int port = 8080) =>
        SyncMetadata.Mark(new ServiceInstance { Service = service, Id = id, Host = host, Ports = [new ServicePort("http", port, "http")] }, SyncId, "consul");

    private static WriteBatch Batch(params (string Service, ServiceInstance[] Instances)[] services) => new()
    {
        SyncId = SyncId,
        Services = services.ToDictionary(s => s.Service, s => (IReadOnlyList<ServiceInstance>)s.Instances),
    };

    private int Writes => _server.RbacRequests.Count(r => r.Verb is "patch" or "delete" or "create" or "update");

    [Fact]
    public async Task ApplyAsync_NewThenSame_OneApplyThenZero()
    {
        var writer = Writer();
        (await writer.ListOwnedAsync(SyncId)).InstanceCount.ShouldBe(0);

        var first = await writer.ApplyAsync(Batch(("orders", [Instance("orders", "o1", "10.0.0.1"), Instance("orders", "o2", "10.0.0.2")])));
        var writes = Writes;
        var second = await writer.ApplyAsync(Batch(("orders", [Instance("orders", "o1", "10.0.0.1"), Instance("orders", "o2", "10.0.0.2")])));

        first.Created.ShouldBe(2);
        writes.ShouldBe(1, "one server-side apply of the ServiceEntry");
        second.Writes.ShouldBe(0);
        Writes.ShouldBe(writes, "identical content sends nothing");
        var entry = _server.GetObject("serviceentries", "mesh", "orders")!;
        IstioCrdRules.Validate(entry).ShouldBeEmpty();
        entry["metadata"]!["labels"]![KubernetesOwnership.SyncIdLabel]!.GetValue<string>().ShouldBe(SyncId);
        entry["metadata"]!["managedFields"]![0]!["manager"]!.GetValue<string>().ShouldBe(IstioServiceEntryWriter.FieldManager);
    }

    [Fact]
    public async Task ApplyAsync_ChangeThenEmpty_UpdatesThenDeletes()
    {
        var writer = Writer();
        await writer.ListOwnedAsync(SyncId);
        await writer.ApplyAsync(Batch(("orders", [Instance("orders", "o1", "10.0.0.1")])));

        var changed = await writer.ApplyAsync(Batch(("orders", [Instance("orders", "o1", "10.0.0.1", 9090)])));
        changed.Updated.ShouldBe(1);
        _server.GetObject("serviceentries", "mesh", "orders")!["spec"]!["ports"]![0]!["number"]!.GetValue<long>().ShouldBe(9090);

        var gone = await writer.ApplyAsync(Batch(("orders", [])));
        gone.Deleted.ShouldBe(1);
        _server.GetObject("serviceentries", "mesh", "orders").ShouldBeNull();
    }

    [Fact]
    public async Task ApplyAsync_ForeignServiceEntrySameName_RejectedAndUntouched()
    {
        _server.PutObject("serviceentries", JsonNode.Parse("""
            {"metadata":{"name":"orders","namespace":"mesh","labels":{"team":"platform"}},"spec":{"hosts":["orders.example.com"],"resolution":"DNS"}}
            """)!.AsObject());
        var revision = _server.Revision;
        var writer = Writer();
        await writer.ListOwnedAsync(SyncId);

        var result = await writer.ApplyAsync(Batch(("orders", [Instance("orders", "o1", "10.0.0.1")])));

        result.Rejected.ShouldHaveSingleItem().Reason.ShouldContain("without this sync's ownership labels");
        _server.Revision.ShouldBe(revision);
        (await writer.ApplyAsync(Batch(("orders", [])))).Deleted.ShouldBe(0);
        _server.GetObject("serviceentries", "mesh", "orders").ShouldNotBeNull("a foreign object is never deleted");
    }

    [Fact]
    public async Task ListOwnedAsync_AfterRestart_SameInstancesAndNoWrites()
    {
        var instances = new[] { Instance("orders", "o1", "10.0.0.1"), Instance("orders", "o2", "Orders-2.Internal") };
        var first = Writer();
        await first.ListOwnedAsync(SyncId);
        await first.ApplyAsync(Batch(("orders", instances), ("billing", [Instance("billing", "b1", "10.0.1.1")])));
        var writes = Writes;

        var restarted = Writer();
        var owned = await restarted.ListOwnedAsync(SyncId);
        var result = await restarted.ApplyAsync(Batch(("orders", instances), ("billing", [Instance("billing", "b1", "10.0.1.1")])));

        owned.Services.Keys.Order().ShouldBe(["billing", "orders"]);
        owned.Services["orders"].Select(i => i.Host).ShouldBe(["10.0.0.1", "orders-2.internal"]);
        result.Writes.ShouldBe(0);
        Writes.ShouldBe(writes, "a restart deletes and rewrites nothing");
    }

    [Fact]
    public async Task ListOwnedAsync_HandEditedServiceEntry_DriftRepairedOnNextApply()
    {
        var writer = Writer();
        await writer.ListOwnedAsync(SyncId);
        await writer.ApplyAsync(Batch(("orders", [Instance("orders", "o1", "10.0.0.1")])));
        var edited = _server.GetObject("serviceentries", "mesh", "orders")!;
        edited["spec"]!["location"] = "MESH_EXTERNAL";
        _server.PutObject("serviceentries", edited);

        var owned = await writer.ListOwnedAsync(SyncId);
        var result = await writer.ApplyAsync(Batch(("orders", [Instance("orders", "o1", "10.0.0.1")])));

        owned.Drifted.ShouldHaveSingleItem().ShouldBe("orders", "the hand-edited ServiceEntry is reported as drift");
        owned.Services["orders"].ShouldHaveSingleItem().Health.ShouldBe(HealthStatus.Healthy, "the instances read back as written, with no marker value");
        result.Updated.ShouldBe(1);
        _server.GetObject("serviceentries", "mesh", "orders")!["spec"]!["location"]!.GetValue<string>().ShouldBe("MESH_INTERNAL");
    }

    [Fact]
    public async Task ApplyAsync_WorkloadEntries_OnePerInstanceAndStaleOnesDeleted()
    {
        var client = new k8s.Kubernetes(new KubernetesClientConfiguration { Host = _server.Url.ToString(), AccessToken = FakeKubeconfig.Token });
        _clients.Add(client);
        var writer = new IstioServiceEntryWriter("istio", client, new IstioMappingOptions { Namespace = "mesh", WorkloadEntries = true });
        await writer.ListOwnedAsync(SyncId);

        await writer.ApplyAsync(Batch(("orders", [Instance("orders", "o1", "10.0.0.1"), Instance("orders", "o2", "10.0.0.2")])));
        _server.Objects("workloadentries").Count.ShouldBe(2);
        var result = await writer.ApplyAsync(Batch(("orders", [Instance("orders", "o1", "10.0.0.1")])));

        result.Deleted.ShouldBe(1);
        _server.Objects("workloadentries").ShouldHaveSingleItem()["spec"]!["address"]!.GetValue<string>().ShouldBe("10.0.0.1");
    }
}
