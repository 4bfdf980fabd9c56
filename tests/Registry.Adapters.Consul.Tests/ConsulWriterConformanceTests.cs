using System.Net.Http.Json;
using Registry.Adapters.Consul.Tests.Fake;
using Registry.Adapters.Testing;
using Shouldly;
using Xunit;

namespace Registry.Adapters.Consul.Tests;

/// <summary>The writer conformance suite against the Consul fake, plus what is Consul's own: the sync node, checks, transactions.</summary>
public sealed class ConsulWriterConformanceTests : ServiceRegistryWriterConformanceTests
{
    private readonly List<IServiceRegistry> _registries = [];

    private FakeConsulServer Fake { get; set; } = null!;

    public override async Task InitializeAsync() => Fake = await FakeConsulServer.StartAsync();

    public override async Task DisposeAsync()
    {
        foreach (var registry in _registries)
        {
            await registry.DisposeAsync();
        }

        await Fake.DisposeAsync();
    }

    protected override Task<IServiceRegistry> CreateRegistryAsync() => Task.FromResult(Track(ConsulTestSupport.CreateRegistry(Fake)));

    protected override Task PutForeignAsync(ServiceInstance instance)
    {
        ConsulTestSupport.Put(Fake, instance);
        return Task.CompletedTask;
    }

    private IServiceRegistry Track(IServiceRegistry registry)
    {
        _registries.Add(registry);
        return registry;
    }

    [Fact]
    public async Task ApplyAsync_WritesOnTheSyncNodeInTransactions_NeverThroughTheAgent()
    {
        await using var registry = await CreateRegistryAsync();
        var healthy = CreateInstance("orders", 1);
        var down = CreateInstance("orders", 2) with { Health = HealthStatus.Unhealthy };
        var draining = CreateInstance("orders", 3) with { Health = HealthStatus.Draining, Zone = "us-east-1a" };

        await Writer(registry).ApplyAsync(Batch(SyncId, ("orders", [healthy, down, draining])));

        Fake.CountRequests("/v1/agent/").ShouldBe(0, "nothing goes through an agent");
        Fake.CountRequests("/v1/txn").ShouldBe(1);
        Fake.HasNode(SyncId).ShouldBeTrue();
        var services = Fake.NodeServices(SyncId);
        services.Keys.Order().ShouldBe(["orders:orders-1", "orders:orders-2", "orders:orders-3"]);
        services["orders:orders-1"].Meta["mesh-sync-id"].ShouldBe(SyncId);
        services["orders:orders-1"].Meta["mesh-sync-origin"].ShouldBe(Origin);
        services["orders:orders-1"].Meta["external-source"].ShouldBe("mesh-sync");
        services["orders:orders-1"].Tags.ShouldContain("mesh-sync");
        var checks = Fake.NodeChecks(SyncId);
        checks.ContainsKey("serfHealth").ShouldBeFalse("a catalog node has no agent gossiping for it");
        checks["mesh-sync:orders:orders-1"].Status.ShouldBe("passing");
        checks["mesh-sync:orders:orders-2"].Status.ShouldBe("critical");
        checks["_service_maintenance:orders:orders-3"].Status.ShouldBe("critical");

        var read = await ReadBackAsync(registry, "orders", i => i.Count == 3, "three instances");
        read.Select(i => (i.Id, i.Health)).OrderBy(p => p.Id).ShouldBe([("orders-1", HealthStatus.Healthy), ("orders-2", HealthStatus.Unhealthy), ("orders-3", HealthStatus.Draining)]);
        read.Single(i => i.Id == "orders-3").Zone.ShouldBe("us-east-1a");
    }

    [Fact]
    public async Task ApplyAsync_HealthChangeFromDraining_RemovesTheMaintenanceCheck()
    {
        await using var registry = await CreateRegistryAsync();
        var draining = CreateInstance("orders", 1) with { Health = HealthStatus.Draining };
        var writer = Writer(registry);
        await writer.ApplyAsync(Batch(SyncId, ("orders", [draining])));

        var result = await writer.ApplyAsync(Batch(SyncId, ("orders", [draining with { Health = HealthStatus.Healthy }])));

        result.Updated.ShouldBe(1);
        Fake.NodeChecks(SyncId).Keys.ShouldBe(["mesh-sync:orders:orders-1"]);
        (await ReadBackAsync(registry, "orders", i => i.Count == 1 && i[0].Health == HealthStatus.Healthy, "healthy again")).ShouldHaveSingleItem();
    }

    [Fact]
    public async Task ApplyAsync_ManyInstances_TransactionsOfAtMost64Operations()
    {
        await using var registry = await CreateRegistryAsync();
        var instances = Enumerable.Range(1, 100).Select(i => CreateInstance("orders", i)).ToArray();

        var result = await Writer(registry).ApplyAsync(Batch(SyncId, ("orders", instances)));

        // 1 node operation + 2 per instance (service, check), one instance never split: 31 + 32 + 32 + 5.
        result.Created.ShouldBe(100);
        Fake.Transactions.ShouldBe(4);
        result.Requests.ShouldBe(2 + 4, "two listing reads and four transactions");
        Fake.NodeServices(SyncId).Count.ShouldBe(100);
    }

    [Fact]
    public async Task ApplyAsync_LargeRecords_TransactionsCutToTxnMaxRequestBytesAndAllWritten()
    {
        Fake.TxnMaxRequestBytes = 64 * 1024;
        await using var registry = Track(ConsulTestSupport.CreateRegistry(Fake, o => o.TxnMaxRequestBytes = 64 * 1024));
        var instances = Enumerable.Range(1, 40).Select(i => Large(CreateInstance("orders", i), 12, 480)).ToArray();

        var result = await Writer(registry).ApplyAsync(Batch(SyncId, ("orders", instances)));

        result.Created.ShouldBe(40);
        result.Rejected.ShouldBeEmpty();
        Fake.TxnTooLarge.ShouldBe(0, "no transaction over the servers' limit was sent");
        Fake.LargestTxnBytes.ShouldBeLessThanOrEqualTo(64 * 1024);
        Fake.LargestTxnBytes.ShouldBeGreaterThan(48 * 1024, "transactions are filled, not cut at the first large record");
        Fake.Transactions.ShouldBeGreaterThan(2, "cut by bytes: by operations alone, 81 would be two transactions of about 140 KB each");
        Fake.NodeServices(SyncId).Count.ShouldBe(40);
        Fake.NodeServices(SyncId)["orders:orders-7"].Meta["blob-11"].Length.ShouldBe(480);
    }

    [Fact]
    public async Task ApplyAsync_OneRecordLargerThanATransaction_RejectedWithTheReasonAndTheOthersWritten()
    {
        Fake.TxnMaxRequestBytes = 16 * 1024;
        await using var registry = Track(ConsulTestSupport.CreateRegistry(Fake, o => o.TxnMaxRequestBytes = 16 * 1024));
        var huge = Large(CreateInstance("orders", 2), 60, 500);

        var result = await Writer(registry).ApplyAsync(Batch(SyncId, ("orders", [CreateInstance("orders", 1), huge, CreateInstance("orders", 3)])));

        result.Created.ShouldBe(2);
        var rejected = result.Rejected.ShouldHaveSingleItem();
        rejected.Key.ShouldBe("orders/orders-2");
        rejected.Reason.ShouldContain("TxnMaxRequestBytes 16384");
        Fake.TxnTooLarge.ShouldBe(0, "the record that cannot fit is never sent");
        Fake.NodeServices(SyncId).Keys.Order(StringComparer.Ordinal).ShouldBe(["orders:orders-1", "orders:orders-3"]);
    }

    [Fact]
    public async Task ApplyAsync_ServersLimitBelowTheSetting_413IsAnErrorNamingTheSettingAndNothingIsWritten()
    {
        Fake.TxnMaxRequestBytes = 16 * 1024;
        await using var registry = await CreateRegistryAsync();
        var instances = Enumerable.Range(1, 10).Select(i => Large(CreateInstance("orders", i), 8, 400)).ToArray();

        var failure = await Should.ThrowAsync<RegistryException>(() => Writer(registry).ApplyAsync(Batch(SyncId, ("orders", instances))));

        failure.Message.ShouldContain("Request body too large, max size: 16384 bytes", customMessage: "the server's own words");
        failure.Message.ShouldContain("Set TxnMaxRequestBytes of registry");
        Fake.TxnTooLarge.ShouldBe(1);
        Fake.HasNode(SyncId).ShouldBeFalse();
    }

    /// <summary>The instance with <paramref name="entries"/> metadata values of <paramref name="length"/> characters (Consul allows 64 of 512).</summary>
    private static ServiceInstance Large(ServiceInstance instance, int entries, int length) => instance with
    {
        Metadata = new Dictionary<string, string>(instance.Metadata) { }.Concat(Enumerable.Range(0, entries).Select(i => KeyValuePair.Create($"blob-{i}", new string((char)('a' + (i % 26)), length))))
            .ToDictionary(),
    };

    [Fact]
    public async Task ApplyAsync_RecordChangedBehindTheSync_WholeTransactionRolledBackThenRelisted()
    {
        await using var registry = await CreateRegistryAsync();
        var writer = Writer(registry);
        var a = CreateInstance("orders", 1);
        var b = CreateInstance("orders", 2);
        await writer.ApplyAsync(Batch(SyncId, ("orders", [a, b])));
        using var http = new HttpClient { BaseAddress = Fake.Address };
        var spec = Fake.NodeServices(SyncId)["orders:orders-2"];
        using (var edit = await http.PutAsJsonAsync("/v1/catalog/register", new
        {
            Node = SyncId,
            SkipNodeUpdate = true,
            Service = new { spec.Id, Service = spec.Name, spec.Address, Port = spec.Port + 1, spec.Tags, spec.Meta },
        }))
        {
            edit.EnsureSuccessStatusCode();
        }

        var changedA = Modify(a);
        var changedB = Modify(b) with { Ports = [new ServicePort("http", 9999, "http")] };
        var failure = await Should.ThrowAsync<RegistryException>(() => writer.ApplyAsync(Batch(SyncId, ("orders", [changedA, changedB]))));

        failure.Message.ShouldContain("rolled back");
        failure.Message.ShouldContain("index is stale");
        Fake.NodeServices(SyncId)["orders:orders-1"].Port.ShouldBe(a.Ports[0].Port, "the other update of the transaction was rolled back with it");
        var retried = await writer.ApplyAsync(Batch(SyncId, ("orders", [changedA, changedB])));
        retried.Updated.ShouldBe(2, "after listing again both are written");
        Fake.NodeServices(SyncId)["orders:orders-2"].Port.ShouldBe(9999);
    }

    [Fact]
    public async Task ApplyAsync_WrongToken_RefusedWithoutTheToken()
    {
        Fake.AclToken = "right-token-7f3a";
        await using var registry = Track(ConsulTestSupport.CreateRegistry(Fake, o => o.Token = "wrong-token-91c2"));

        var failure = await Should.ThrowAsync<RegistryException>(() => Writer(registry).ApplyAsync(Batch(SyncId, ("orders", [CreateInstance("orders", 1)]))));

        failure.Message.ShouldContain("403");
        failure.Message.ShouldNotContain("wrong-token-91c2");
        Fake.HasNode(SyncId).ShouldBeFalse();
    }

    [Fact]
    public async Task ApplyAsync_WithTheRightToken_SendsItAsHeader()
    {
        Fake.AclToken = "right-token-7f3a";
        await using var registry = Track(ConsulTestSupport.CreateRegistry(Fake, o => o.Token = "right-token-7f3a"));

        (await Writer(registry).ApplyAsync(Batch(SyncId, ("orders", [CreateInstance("orders", 1)])))).Created.ShouldBe(1);

        Fake.Requests.Where(r => r.Path == "/v1/txn").ShouldAllBe(r => r.HadTokenHeader && !r.HadTokenInQuery);
    }

    [Fact]
    public async Task ListOwnedAsync_SyncIdNamesAnAgentNode_RefusedBeforeAnyWrite()
    {
        Fake.PutService(SyncId, "10.9.0.1", new FakeServiceSpec("local", "local") { Port = 1 });
        await using var registry = await CreateRegistryAsync();

        var failure = await Should.ThrowAsync<RegistryException>(() => Writer(registry).ApplyAsync(Batch(SyncId, ("orders", [CreateInstance("orders", 1)]))));

        failure.Message.ShouldContain("agent");
        Fake.CountRequests("/v1/txn").ShouldBe(0);
    }

    [Fact]
    public async Task TryNormalize_WhatConsulCannotHold_MappedAsReadBack()
    {
        await using var registry = await CreateRegistryAsync();
        var instance = SyncMetadata.Mark(
            CreateInstance("orders", 1) with
            {
                Ports = [new ServicePort("grpc", 9090, "grpc"), new ServicePort("http", 8080, "http")],
                Health = HealthStatus.Starting,
                Metadata = new Dictionary<string, string> { ["app.kubernetes.io/name"] = "orders", ["version"] = "2" },
            },
            SyncId,
            Origin);

        Writer(registry).TryNormalize(instance, out var stored, out var reason).ShouldBeTrue(reason);

        stored.Ports.ShouldBe([new ServicePort("http", 8080, "http")], "Consul holds one port; the one named like the registry's port name wins");
        stored.Health.ShouldBe(HealthStatus.Unhealthy, "a starting instance is a critical check");
        stored.Metadata.ContainsKey("app.kubernetes.io/name").ShouldBeFalse("Consul meta keys are letters, digits, '-' and '_'");
        stored.Metadata["version"].ShouldBe("2");
        stored.Tags.ShouldContain("mesh-sync");
    }

    [Fact]
    public async Task ApplyAsync_InstancesTheWriterNormalized_NotNormalizedAgain()
    {
        await using var registry = await CreateRegistryAsync();
        var writer = ((ConsulServiceRegistry)registry).Writer;
        var stored = Normalized(writer, CreateInstance("orders", 1), CreateInstance("orders", 2));
        var before = writer.Normalizations;

        var result = await writer.ApplyAsync(StoredBatch(("orders", stored)), CancellationToken.None);

        result.Created.ShouldBe(2);
        result.Rejected.ShouldBeEmpty();
        writer.Normalizations.ShouldBe(before, "the planner's normalized instances are the writer's own: not mapped again");
    }

    [Fact]
    public async Task ApplyAsync_EqualCopyAndChangedCopyOfNormalizedInstances_NormalizedAgainAsConsulHoldsThem()
    {
        await using var registry = await CreateRegistryAsync();
        var writer = ((ConsulServiceRegistry)registry).Writer;
        var stored = Normalized(writer, CreateInstance("orders", 1), CreateInstance("orders", 2));
        var equalCopy = stored[0] with { };
        var twoPorts = stored[1] with { Ports = [new ServicePort("grpc", 9090, "grpc"), new ServicePort("http", 8080, "http")] };
        var before = writer.Normalizations;

        var result = await writer.ApplyAsync(StoredBatch(("orders", [equalCopy, twoPorts])), CancellationToken.None);

        writer.Normalizations.ShouldBe(before + 2, "an equal copy and a caller's change are other objects: both normalized in full");
        result.Created.ShouldBe(2);
        var owned = (await writer.ListOwnedAsync(SyncId, CancellationToken.None)).Services["orders"];
        owned.Single(i => i.Id == twoPorts.Id).Ports.ShouldBe([new ServicePort("http", 8080, "http")], "the caller's two ports were mapped to Consul's one, not written as given");
    }

    private static ServiceInstance[] Normalized(ConsulSyncWriter writer, params ServiceInstance[] instances) =>
        [.. instances.Select(i => writer.TryNormalize(SyncMetadata.Mark(i, SyncId, Origin), out var stored, out var reason) ? stored : throw new ShouldAssertException(reason))];

    private static WriteBatch StoredBatch(params (string Service, ServiceInstance[] Instances)[] services) => new()
    {
        SyncId = SyncId,
        Services = services.ToDictionary(static s => s.Service, static s => (IReadOnlyList<ServiceInstance>)s.Instances, StringComparer.Ordinal),
    };
}
