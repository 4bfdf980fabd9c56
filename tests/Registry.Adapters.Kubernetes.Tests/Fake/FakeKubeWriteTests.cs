using System.Net;
using System.Text.Json.Nodes;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Shouldly;
using Xunit;

namespace Registry.Adapters.Kubernetes.Tests.Fake;

/// <summary>The fake API server's write semantics, driven by the real KubernetesClient.</summary>
public sealed class FakeKubeWriteTests : IAsyncLifetime
{
    private FakeKubeApiServer _server = null!;
    private k8s.Kubernetes _client = null!;

    public async Task InitializeAsync()
    {
        _server = await FakeKubeApiServer.StartAsync();
        _client = new k8s.Kubernetes(new KubernetesClientConfiguration { Host = _server.Url.ToString(), AccessToken = FakeKubeconfig.Token });
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _server.DisposeAsync();
    }

    private static V1Lease Lease(string holder) => new()
    {
        Metadata = new V1ObjectMeta { Name = "leader", NamespaceProperty = "mesh" },
        Spec = new V1LeaseSpec { HolderIdentity = holder, LeaseDurationSeconds = 15 },
    };

    private static async Task<JsonObject> StatusOf(Func<Task> call, HttpStatusCode code)
    {
        var ex = await Should.ThrowAsync<HttpOperationException>(call);
        ex.Response.StatusCode.ShouldBe(code, ex.Response.Content);
        var status = JsonNode.Parse(ex.Response.Content)!.AsObject();
        status["kind"]!.GetValue<string>().ShouldBe("Status");
        status["code"]!.GetValue<int>().ShouldBe((int)code);
        return status;
    }

    [Fact]
    public async Task CreateLease_Twice_409AlreadyExists()
    {
        var created = await _client.CoordinationV1.CreateNamespacedLeaseAsync(Lease("a"), "mesh");
        created.Metadata.ResourceVersion.ShouldNotBeNullOrEmpty();

        var status = await StatusOf(() => _client.CoordinationV1.CreateNamespacedLeaseAsync(Lease("b"), "mesh"), HttpStatusCode.Conflict);

        status["reason"]!.GetValue<string>().ShouldBe("AlreadyExists");
        status["message"]!.GetValue<string>().ShouldBe("leases.coordination.k8s.io \"leader\" already exists");
        (await _client.CoordinationV1.ReadNamespacedLeaseAsync("leader", "mesh")).Spec.HolderIdentity.ShouldBe("a");
    }

    [Fact]
    public async Task ReplaceLease_StaleResourceVersion_409ConflictAndNothingWritten()
    {
        var first = await _client.CoordinationV1.CreateNamespacedLeaseAsync(Lease("a"), "mesh");
        first.Spec.HolderIdentity = "b";
        var second = await _client.CoordinationV1.ReplaceNamespacedLeaseAsync(first, "leader", "mesh");
        second.Metadata.ResourceVersion.ShouldNotBe(first.Metadata.ResourceVersion);
        first.Spec.HolderIdentity = "c";

        var status = await StatusOf(() => _client.CoordinationV1.ReplaceNamespacedLeaseAsync(first, "leader", "mesh"), HttpStatusCode.Conflict);

        status["reason"]!.GetValue<string>().ShouldBe("Conflict");
        status["message"]!.GetValue<string>().ShouldContain("the object has been modified; please apply your changes to the latest version and try again");
        (await _client.CoordinationV1.ReadNamespacedLeaseAsync("leader", "mesh")).Spec.HolderIdentity.ShouldBe("b");
    }

    [Fact]
    public async Task DeleteService_PreconditionThenCurrent_409ThenSuccessThen404()
    {
        var service = await _client.CoreV1.CreateNamespacedServiceAsync(new V1Service { Metadata = new V1ObjectMeta { Name = "orders" }, Spec = new V1ServiceSpec { Ports = [new V1ServicePort { Port = 80 }] } }, "mesh");

        await StatusOf(() => _client.CoreV1.DeleteNamespacedServiceAsync("orders", "mesh", new V1DeleteOptions { Preconditions = new V1Preconditions { ResourceVersion = "1" } }), HttpStatusCode.Conflict);
        var deleted = await _client.CoreV1.DeleteNamespacedServiceAsync("orders", "mesh", new V1DeleteOptions { Preconditions = new V1Preconditions { ResourceVersion = service.Metadata.ResourceVersion } });

        deleted.ShouldNotBeNull();
        var status = await StatusOf(() => _client.CoreV1.ReadNamespacedServiceAsync("orders", "mesh"), HttpStatusCode.NotFound);
        status["message"]!.GetValue<string>().ShouldBe("services \"orders\" not found");
    }

    private Task<object> ApplyAsync(string json, string manager, bool force = false) =>
        _client.CustomObjects.PatchNamespacedCustomObjectAsync(new V1Patch(json, V1Patch.PatchType.ApplyPatch), "networking.istio.io", "v1", "mesh", "serviceentries", "orders", fieldManager: manager, force: force);

    private static string Entry(string host, string? label = null)
    {
        var metadata = new JsonObject { ["name"] = "orders", ["namespace"] = "mesh" };
        if (label is not null)
        {
            metadata["labels"] = new JsonObject { ["team"] = label };
        }

        return new JsonObject
        {
            ["apiVersion"] = "networking.istio.io/v1",
            ["kind"] = "ServiceEntry",
            ["metadata"] = metadata,
            ["spec"] = JsonNode.Parse($$"""{"hosts":["{{host}}"],"resolution":"STATIC","ports":[{"name":"http","number":8080,"protocol":"HTTP"}]}"""),
        }.ToJsonString();
    }

    [Fact]
    public async Task Apply_SameContentTwice_OneWriteAndManagedFields()
    {
        await ApplyAsync(Entry("orders.mesh", "a"), "mesh-sync");
        var revision = _server.Revision;

        await ApplyAsync(Entry("orders.mesh", "a"), "mesh-sync");

        _server.Revision.ShouldBe(revision, "an identical apply is a no-op: no new resourceVersion");
        var stored = _server.GetObject("serviceentries", "mesh", "orders")!;
        var managed = stored["metadata"]!["managedFields"]!.AsArray().ShouldHaveSingleItem()!;
        managed["manager"]!.GetValue<string>().ShouldBe("mesh-sync");
        managed["operation"]!.GetValue<string>().ShouldBe("Apply");
        managed["fieldsV1"]!["f:spec"]!["f:hosts"].ShouldNotBeNull();
    }

    [Fact]
    public async Task Apply_FieldOwnedByAnotherManager_409ConflictUnlessForced()
    {
        await ApplyAsync(Entry("orders.mesh"), "kubectl");

        var status = await StatusOf(() => ApplyAsync(Entry("orders.other"), "mesh-sync"), HttpStatusCode.Conflict);

        status["message"]!.GetValue<string>().ShouldBe("Apply failed with 1 conflict: conflict with \"kubectl\" using networking.istio.io/v1: .spec.hosts");
        status["details"]!["causes"]![0]!["reason"]!.GetValue<string>().ShouldBe("FieldManagerConflict");
        await ApplyAsync(Entry("orders.other"), "mesh-sync", force: true);
        var stored = _server.GetObject("serviceentries", "mesh", "orders")!;
        stored["spec"]!["hosts"]![0]!.GetValue<string>().ShouldBe("orders.other");
        stored["metadata"]!["managedFields"]!.AsArray().Select(m => m!["manager"]!.GetValue<string>()).ShouldBe(["kubectl", "mesh-sync"], "kubectl keeps the fields it shares with the same value");
    }

    [Fact]
    public async Task Apply_FieldNoLongerApplied_RemovedWhenNobodyElseOwnsIt()
    {
        await ApplyAsync(Entry("orders.mesh", "a"), "mesh-sync");

        await ApplyAsync(Entry("orders.mesh"), "mesh-sync");

        _server.GetObject("serviceentries", "mesh", "orders")!["metadata"]!.AsObject().ContainsKey("labels").ShouldBeFalse();
    }

    [Fact]
    public async Task Apply_WithoutFieldManagerOrInvalidEntry_422()
    {
        var missing = await StatusOf(() => _client.CustomObjects.PatchNamespacedCustomObjectAsync(new V1Patch(Entry("orders.mesh"), V1Patch.PatchType.ApplyPatch), "networking.istio.io", "v1", "mesh", "serviceentries", "orders"), (HttpStatusCode)422);
        missing["message"]!.GetValue<string>().ShouldContain("fieldManager");

        var invalid = await StatusOf(() => ApplyAsync(Entry("*"), "mesh-sync"), (HttpStatusCode)422);

        invalid["reason"]!.GetValue<string>().ShouldBe("Invalid");
        invalid["message"]!.GetValue<string>().ShouldContain("hostname cannot be wildcard");
        _server.GetObject("serviceentries", "mesh", "orders").ShouldBeNull();
    }

    [Fact]
    public async Task ListServices_SetBasedSelector_OnlyMatching()
    {
        foreach (var (name, team) in new[] { ("a", "x"), ("b", "y"), ("c", "z") })
        {
            await _client.CoreV1.CreateNamespacedServiceAsync(new V1Service { Metadata = new V1ObjectMeta { Name = name, Labels = new Dictionary<string, string> { ["team"] = team } } }, "mesh");
        }

        var list = await _client.CoreV1.ListNamespacedServiceAsync("mesh", labelSelector: "team in (x, z),team notin (z)");

        list.Items.Select(s => s.Metadata.Name).ShouldBe(["a"]);
        _server.RbacRequests.Select(r => r.Verb).Distinct().Order().ShouldBe(["create", "list"]);
    }
}
