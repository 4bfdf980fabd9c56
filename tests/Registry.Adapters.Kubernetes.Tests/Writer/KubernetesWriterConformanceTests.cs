using System.Text.Json.Nodes;
using k8s.Models;
using Registry.Adapters.Kubernetes.Istio;
using Registry.Adapters.Kubernetes.Writer;
using Registry.Adapters.Testing;
using Shouldly;
using Xunit;

namespace Registry.Adapters.Kubernetes.Tests.Writer;

/// <summary>
/// The writer conformance suite for the <c>kubernetes</c> target on the fake API server, plus what is its own: selector-less
/// Services and EndpointSlices by server-side apply, conditions and zones, 100 endpoints per slice, native Services
/// never touched, field-manager conflicts, drift.
/// </summary>
public sealed class KubernetesWriterConformanceTests : ServiceRegistryWriterConformanceTests
{
    private KubernetesTestHost _host = null!;

    private FakeKubeApiServer Server => _host.Server;

    public override async Task InitializeAsync() => _host = await KubernetesTestHost.StartAsync();

    public override async Task DisposeAsync() => await _host.DisposeAsync();

    protected override string ReadName(string service) => $"{service}.mesh";

    protected override bool OneSyncIdPerService => true;

    protected override Task<IServiceRegistry> CreateRegistryAsync() => Task.FromResult(_host.CreateRegistry());

    /// <summary>A record no sync wrote: an EndpointSlice someone manages by hand for the service's name, in the target namespace.</summary>
    protected override Task PutForeignAsync(ServiceInstance instance)
    {
        var slice = K8sObjects.Slice("mesh", instance.Service, $"{instance.Service}-manual-{instance.Id}", [new Ep(instance.Host)], ("http", instance.Ports[0].Port, "http"));
        slice.Metadata.Labels["endpointslice.kubernetes.io/managed-by"] = "staff.example.com";
        Server.PutSlice(slice);
        return Task.CompletedTask;
    }

    private int Writes => Server.RbacRequests.Count(r => r.Verb is "patch" or "delete" or "create" or "update");

    private static JsonObject Labels(JsonObject obj) => obj["metadata"]!["labels"]!.AsObject();

    private List<JsonObject> MySlices(string service) =>
        [.. Server.Objects("endpointslices").Where(s => s["metadata"]!["labels"]?["kubernetes.io/service-name"]?.GetValue<string>() == service
            && s["metadata"]!["labels"]?[MirrorMapping.ManagedByLabel]?.GetValue<string>() == MirrorMapping.ControllerName)];

    [Fact]
    public async Task ApplyAsync_SelectorlessServiceAndSlices_ConditionsZonesOwnershipFieldManager()
    {
        await using var registry = await CreateRegistryAsync();
        var writer = Writer(registry);
        await writer.ListOwnedAsync(SyncId);

        await writer.ApplyAsync(Batch(SyncId, ("orders", [
            CreateInstance("orders", 1) with { Zone = "us-east-1a" },
            CreateInstance("orders", 2) with { Health = HealthStatus.Draining },
            CreateInstance("orders", 3) with { Health = HealthStatus.Starting }])));

        var service = Server.GetObject("services", "mesh", "orders")!;
        service["spec"]!["selector"].ShouldBeNull("a mirrored Service has no selector: the controller makes no slices for it");
        service["spec"]!["type"]!.GetValue<string>().ShouldBe("ClusterIP");
        service["spec"]!["clusterIP"]!.GetValue<string>().ShouldStartWith("10.96.", customMessage: "the server allocated a cluster IP");
        service["spec"]!["ports"]!.AsArray().ShouldHaveSingleItem()!["name"]!.GetValue<string>().ShouldBe("http");
        Labels(service)[KubernetesOwnership.SyncIdLabel]!.GetValue<string>().ShouldBe(SyncId);
        service["metadata"]!["managedFields"]![0]!["manager"]!.GetValue<string>().ShouldBe(KubernetesServiceWriter.FieldManager);
        var slices = MySlices("orders");
        slices.Count.ShouldBe(3, "one slice per port set: the three instances use three port numbers");
        var endpoints = slices.SelectMany(s => s["endpoints"]!.AsArray()).ToDictionary(e => e!["addresses"]![0]!.GetValue<string>());
        endpoints["10.1.0.2"]!["conditions"]!.ToJsonString().ShouldBe("""{"ready":true,"serving":true,"terminating":false}""");
        endpoints["10.1.0.2"]!["zone"]!.GetValue<string>().ShouldBe("us-east-1a");
        endpoints["10.1.0.3"]!["conditions"]!.ToJsonString().ShouldBe("""{"ready":false,"serving":true,"terminating":true}""");
        endpoints["10.1.0.4"]!["conditions"]!.ToJsonString().ShouldBe("""{"ready":false,"serving":false,"terminating":false}""");
        slices.ShouldAllBe(s => Labels(s)["kubernetes.io/service-name"]!.GetValue<string>() == "orders");
        slices.ShouldAllBe(s => s["addressType"]!.GetValue<string>() == "IPv4");

        var read = await ReadBackAsync(registry, "orders", i => i.Count == 3, "the reader sees the mirrored endpoints");
        read.Single(i => i.Host == "10.1.0.3").Health.ShouldBe(HealthStatus.Draining);
        read.Single(i => i.Host == "10.1.0.4").Health.ShouldBe(HealthStatus.Unhealthy, "starting has no condition of its own: stored as unhealthy");
        read.ShouldAllBe(i => SyncMetadata.IsMirrored(i));
    }

    [Fact]
    public async Task ApplyAsync_250Instances_SlicesOfAtMost100()
    {
        await using var registry = await CreateRegistryAsync();
        var writer = Writer(registry);
        await writer.ListOwnedAsync(SyncId);
        var instances = Enumerable.Range(1, 250).Select(i => CreateInstance("orders", i) with { Ports = [new ServicePort("http", 8080, "http")] }).ToArray();

        (await writer.ApplyAsync(Batch(SyncId, ("orders", instances)))).Created.ShouldBe(250);

        MySlices("orders").Select(s => s["endpoints"]!.AsArray().Count).Order().ShouldBe([50, 100, 100]);
        var fewer = await writer.ApplyAsync(Batch(SyncId, ("orders", instances[..80])));
        fewer.Deleted.ShouldBe(170);
        MySlices("orders").ShouldHaveSingleItem()["endpoints"]!.AsArray().Count.ShouldBe(80);
    }

    [Fact]
    public async Task ApplyAsync_NativeServiceOfTheSameName_RejectedAndNeverTouched()
    {
        Server.PutService(K8sObjects.Service("mesh", "orders", ports: ("http", 80)));
        Server.PutSlice(K8sObjects.Slice("mesh", "orders", "orders-abcde", new Ep("10.8.0.1", "orders-pod")));
        var revision = Server.Revision;
        await using var registry = await CreateRegistryAsync();
        var writer = Writer(registry);
        await writer.ListOwnedAsync(SyncId);

        var result = await writer.ApplyAsync(Batch(SyncId, ("orders", [CreateInstance("orders", 1)]), ("billing", [CreateInstance("billing", 2)])));

        result.Rejected.ShouldHaveSingleItem().Reason.ShouldContain("Service named 'orders' exists in namespace mesh without this sync's ownership labels");
        result.Created.ShouldBe(1, "billing is written");
        MySlices("orders").ShouldBeEmpty("no slice joins a Service that is not ours");
        Server.GetObject("services", "mesh", "orders")!["spec"]!["selector"]!["app"]!.GetValue<string>().ShouldBe("orders");
        Server.Objects("services").Count(s => s["metadata"]!["name"]!.GetValue<string>() == "orders").ShouldBe(1);
        Server.RbacRequests.Where(r => r.Verb is "patch" or "delete").ShouldAllBe(r => r.Name != "orders" && r.Name!.StartsWith("billing", StringComparison.Ordinal));
        revision.ShouldBeLessThan(Server.Revision);
    }

    [Fact]
    public async Task ApplyAsync_FieldOwnedByAnotherManager_ConflictRejectedNotForced()
    {
        await using var registry = await CreateRegistryAsync();
        var writer = Writer(registry);
        await writer.ListOwnedAsync(SyncId);
        await writer.ApplyAsync(Batch(SyncId, ("orders", [CreateInstance("orders", 1)])));
        var service = Server.GetObject("services", "mesh", "orders")!;

        // Someone else applies the port with their own manager: it now co-owns spec.ports.
        using var other = new HttpClient { BaseAddress = Server.Url };
        other.DefaultRequestHeaders.Authorization = new("Bearer", FakeKubeconfig.Token);
        var patch = new StringContent("""{"apiVersion":"v1","kind":"Service","metadata":{"name":"orders","namespace":"mesh"},"spec":{"ports":[{"name":"http","port":8001,"protocol":"TCP","targetPort":8001}]}}""");
        patch.Headers.ContentType = new("application/apply-patch+yaml");
        (await other.PatchAsync("api/v1/namespaces/mesh/services/orders?fieldManager=platform-team&force=true", patch)).IsSuccessStatusCode.ShouldBeTrue();

        var result = await writer.ApplyAsync(Batch(SyncId, ("orders", [Modify(CreateInstance("orders", 1))])));

        result.Rejected.ShouldHaveSingleItem().Reason.ShouldContain("conflict with \"platform-team\"");
        Server.GetObject("services", "mesh", "orders")!["spec"]!["ports"]![0]!["port"]!.GetValue<long>().ShouldBe(8001, "a conflict is reported, never forced");
        service["spec"]!["clusterIP"]!.GetValue<string>().ShouldBe(Server.GetObject("services", "mesh", "orders")!["spec"]!["clusterIP"]!.GetValue<string>());
    }

    [Fact]
    public async Task ListOwnedAsync_HandEditedSlice_DriftRepairedOnNextApply()
    {
        await using var registry = await CreateRegistryAsync();
        var writer = Writer(registry);
        await writer.ListOwnedAsync(SyncId);
        var instance = CreateInstance("orders", 1);
        await writer.ApplyAsync(Batch(SyncId, ("orders", [instance])));
        var edited = MySlices("orders").ShouldHaveSingleItem();
        edited["endpoints"]![0]!["conditions"]!["ready"] = false;
        Server.PutObject("endpointslices", edited);
        var writes = Writes;

        var unchanged = await Writer(await CreateRegistryAsync()).ListOwnedAsync(SyncId);
        var owned = await writer.ListOwnedAsync(SyncId);
        var result = await writer.ApplyAsync(Batch(SyncId, ("orders", [instance])));

        unchanged.Drifted.ShouldHaveSingleItem().ShouldBe("orders", "the hand-edited slice is reported as drift");
        unchanged.Services["orders"].ShouldHaveSingleItem().ShouldBe(SyncMetadata.Mark(instance, SyncId, Origin), "the instances themselves read back as written");
        owned.InstanceCount.ShouldBe(1);
        result.Updated.ShouldBe(1);
        Writes.ShouldBe(writes + 1, "only the edited slice is applied again");
        MySlices("orders").ShouldHaveSingleItem()["endpoints"]![0]!["conditions"]!["ready"]!.GetValue<bool>().ShouldBeTrue();
        (await writer.ListOwnedAsync(SyncId)).Services["orders"].ShouldHaveSingleItem().ShouldBe(SyncMetadata.Mark(instance, SyncId, Origin));
    }

    [Fact]
    public async Task ListOwnedAsync_ServerDefaults_AreNoDrift()
    {
        await using var registry = await CreateRegistryAsync();
        var writer = Writer(registry);
        await writer.ListOwnedAsync(SyncId);
        var instance = CreateInstance("orders", 1);
        await writer.ApplyAsync(Batch(SyncId, ("orders", [instance])));
        var writes = Writes;

        var restarted = Writer(await CreateRegistryAsync());
        var owned = await restarted.ListOwnedAsync(SyncId);
        var again = await restarted.ApplyAsync(Batch(SyncId, ("orders", [instance])));

        owned.Services["orders"].ShouldHaveSingleItem().ShouldBe(SyncMetadata.Mark(instance, SyncId, Origin), "clusterIP, sessionAffinity and the other defaults are not drift");
        owned.Drifted.ShouldBeEmpty();
        again.Writes.ShouldBe(0);
        Writes.ShouldBe(writes);
    }

    [Fact]
    public void TryNormalize_HostsPortsNames_StoredAsTheObjectsHoldThem()
    {
        var writer = new KubernetesServiceWriter("kubernetes", () => throw new InvalidOperationException("no client needed"), "mesh");
        var instance = SyncMetadata.Mark(CreateInstance("orders", 1) with { Host = "Orders-1.Internal", Ports = [new ServicePort("HTTP", 80, "http"), new ServicePort("x_y", 81, "tcp")] }, SyncId, Origin);

        writer.TryNormalize(instance, out var stored, out _).ShouldBeTrue();
        stored!.Host.ShouldBe("orders-1.internal");
        stored.Ports.Select(p => p.Name).ShouldBe(["http", "port-81"]);
        writer.TryNormalize(instance with { Host = "fe80::1%eth0" }, out _, out var badHost).ShouldBeFalse();
        badHost.ShouldNotBeNullOrWhiteSpace();
        writer.TryNormalize(instance with { Ports = [] }, out _, out var noPort).ShouldBeFalse();
        noPort.ShouldContain("no port");
        MirrorMapping.ServiceName("orders.shop").ShouldStartWith("orders-shop-");
        MirrorMapping.ServiceName("orders.shop").Length.ShouldBeLessThanOrEqualTo(63);
        MirrorMapping.ServiceName("9lives").ShouldStartWith("s-9lives-");
        MirrorMapping.ServiceName(new string('a', 80)).Length.ShouldBe(63);
    }
}
