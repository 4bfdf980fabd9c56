using Registry.Adapters.Consul.Tests.Fake;
using Registry.Adapters.Sync;
using Shouldly;
using Xunit;

namespace Registry.Adapters.Consul.Tests.Leadership;

/// <summary>The Consul writer makes every transaction conditional on the fence when the election lives in the same Consul.</summary>
public sealed class ConsulFencedWriteTests : IAsyncLifetime
{
    private const string SyncId = "mesh";
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(15);
    private ElectionHarness _harness = null!;

    private FakeConsulServer Fake => _harness.Fake;

    public async Task InitializeAsync() => _harness = await ElectionHarness.StartAsync();

    public async Task DisposeAsync() => await _harness.DisposeAsync();

    private static ServiceInstance Instance(int index, int port = 8080) => SyncMetadata.Mark(
        new ServiceInstance
        {
            Service = "orders",
            Id = $"orders-{index}",
            Host = $"10.1.0.{index}",
            Ports = [new ServicePort("http", port, "http")],
            Health = HealthStatus.Healthy,
        },
        SyncId,
        "source");

    private static WriteBatch Batch(WriteFence? fence, params ServiceInstance[] instances) => new()
    {
        SyncId = SyncId,
        Services = new Dictionary<string, IReadOnlyList<ServiceInstance>>(StringComparer.Ordinal) { ["orders"] = instances },
        Fence = fence,
    };

    [Fact]
    public async Task ApplyAsync_DeposedLeader_WriteFenceLostAndNothingWritten()
    {
        var a = _harness.Add("a");
        var ca = a.Campaign();
        await ca.WaitForLeadershipAsync().WaitAsync(Patience);
        var fenceA = ca.Fence!;
        IServiceRegistryWriter writerA = a.Registry;
        await writerA.ApplyAsync(Batch(fenceA, Instance(1)));
        Fake.NodeServices(SyncId).Keys.ShouldBe(["orders:orders-1"], "a fenced write of the leader applies");

        var b = _harness.Add("b");
        var cb = b.Campaign();
        await ConsulTestSupport.WaitUntilAsync(() => Fake.InFlight("/v1/kv/mesh-sync/election/sync") >= 2, "b stands by");
        Fake.InvalidateSession(fenceA.Holder!);
        await cb.WaitForLeadershipAsync().WaitAsync(Patience);
        var transactions = Fake.Transactions;
        await ConsulTestSupport.WaitUntilAsync(() => !ca.IsLeader, "a sees it was deposed");
        ca.Fence.ShouldBe(fenceA, "a deposed leader keeps its last fence, so a batch that read it late still fails at Consul instead of going unfenced");

        var error = await Should.ThrowAsync<WriteFenceLostException>(() => writerA.ApplyAsync(Batch(ca.Fence, Instance(1, port: 9090), Instance(2))));

        error.Message.ShouldContain("mesh-sync/election/sync");
        Fake.Transactions.ShouldBe(transactions + 1, "one transaction, rolled back");
        var services = Fake.NodeServices(SyncId);
        services.Keys.ShouldBe(["orders:orders-1"], "nothing of the deposed leader's transaction was written");
        services["orders:orders-1"].Port.ShouldBe(8080);
    }

    [Fact]
    public async Task ApplyAsync_FenceOfThisRegistry_EveryTransactionChecksTheSession()
    {
        var a = _harness.Add("a");
        var ca = a.Campaign();
        await ca.WaitForLeadershipAsync().WaitAsync(Patience);
        IServiceRegistryWriter writer = a.Registry;

        // 100 instances need two transactions of at most 64 operations, each opened by the check.
        var result = await writer.ApplyAsync(Batch(ca.Fence, [.. Enumerable.Range(1, 100).Select(i => Instance(i))]));

        result.Created.ShouldBe(100);
        Fake.NodeServices(SyncId).Count.ShouldBe(100);
        var sessionChecks = Fake.TxnKvVerbs.Count(v => v == "check-session");
        sessionChecks.ShouldBe(Fake.Transactions, "every transaction carries the check");
        sessionChecks.ShouldBeGreaterThan(1);
    }

    [Fact]
    public async Task ApplyAsync_FenceOfAnotherRegistry_IsNotCheckedHere()
    {
        var a = _harness.Add("a");
        IServiceRegistryWriter writer = a.Registry;

        await writer.ApplyAsync(Batch(new WriteFence("etcd", "/mesh-sync/election/sync", 7), Instance(1)));

        Fake.NodeServices(SyncId).Count.ShouldBe(1);
        Fake.TxnKvVerbs.ShouldBeEmpty();
    }

    [Fact]
    public async Task ApplyAsync_OtherConflict_StaysARegistryException()
    {
        var a = _harness.Add("a");
        var ca = a.Campaign();
        await ca.WaitForLeadershipAsync().WaitAsync(Patience);
        IServiceRegistryWriter writer = a.Registry;
        await writer.ApplyAsync(Batch(ca.Fence, Instance(1)));

        // Someone else changes the record behind the writer's back: its cas fails, not the fence.
        Fake.PutService(SyncId, "127.0.0.1", new FakeServiceSpec("orders:orders-1", "orders") { Port = 7070 });
        var error = await Should.ThrowAsync<RegistryException>(() => writer.ApplyAsync(Batch(ca.Fence, Instance(1, port: 9090))));

        error.ShouldNotBeOfType<WriteFenceLostException>();
        error.Message.ShouldContain("rolled back");
    }
}
