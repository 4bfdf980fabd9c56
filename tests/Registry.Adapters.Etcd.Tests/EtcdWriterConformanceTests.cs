using Registry.Adapters.Testing;
using Shouldly;
using Xunit;

namespace Registry.Adapters.Etcd.Tests;

/// <summary>The writer conformance suite against a real etcd (mesh format), plus the etcd writer's own lease and fence behaviour.</summary>
public class EtcdWriterConformanceTests(EtcdServerFixture fixture) : ServiceRegistryWriterConformanceTests, IClassFixture<EtcdServerFixture>
{
    private readonly List<IServiceRegistry> _registries = [];

    protected string Prefix { get; } = EtcdServerFixture.UniquePrefix("writer");

    protected EtcdTestClient Client { get; private set; } = null!;

    protected virtual EtcdKeyFormat Format => EtcdKeyFormat.Mesh;

    public override async Task InitializeAsync()
    {
        if (!fixture.Server.IsRunning)
        {
            await fixture.Server.RestartAsync();
        }

        Client = await EtcdTestClient.ConnectAsync(fixture.Server);
    }

    public override async Task DisposeAsync()
    {
        foreach (var registry in _registries)
        {
            await registry.DisposeAsync();
        }

        Client.Dispose();
    }

    protected override Task<IServiceRegistry> CreateRegistryAsync()
    {
        var options = fixture.Server.ClientOptions(Prefix);
        options.Format = Format;
        options.LeaseTtl = TimeSpan.FromSeconds(30);
        var registry = EtcdRegistryFactory.CreateRegistry("etcd", options);
        _registries.Add(registry);
        return Task.FromResult(registry);
    }

    protected override async Task PutForeignAsync(ServiceInstance instance)
    {
        var options = fixture.Server.ClientOptions(Prefix);
        options.Format = Format;
        var codec = new EtcdRecordCodec(options);
        await Client.PutAsync(codec.EncodeKey(instance) is var key ? System.Text.Encoding.UTF8.GetString(key) : "", codec.EncodeValue(instance));
    }

    [Fact]
    public async Task ApplyAsync_EveryRecordOfTheSync_SharesOneLeaseFoundAgainAfterRestart()
    {
        var syncId = $"lease-{Guid.NewGuid():N}"[..20];
        await using (var first = await CreateRegistryAsync())
        {
            await Writer(first).ApplyAsync(Batch(syncId, ("orders", [CreateInstance("orders", 1), CreateInstance("orders", 2)]), ("billing", [CreateInstance("billing", 3)])));
        }

        await using var restarted = await CreateRegistryAsync();
        var writer = Writer(restarted);
        (await writer.ListOwnedAsync(syncId)).InstanceCount.ShouldBe(3);
        await writer.ApplyAsync(Batch(syncId, ("shipping", [CreateInstance("shipping", 4)])));

        var kvs = (await Client.GetPrefixAsync(Prefix)).Kvs;
        kvs.Count.ShouldBe(4);
        kvs.Select(static k => k.Lease).Distinct().ShouldHaveSingleItem().ShouldNotBe(0, "one lease per sync id, reused by the restarted writer");
        (await Client.GetAsync("/mesh-sync/leases/" + syncId)).ShouldBe(kvs[0].Lease.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public async Task ApplyAsync_FenceOfAnotherLeadership_ThrowsAndWritesNothing()
    {
        var leaderKey = $"/mesh-sync/election/{Guid.NewGuid():N}";
        var created = await Client.PutAsync(leaderKey, "replica-a");
        await using var registry = await CreateRegistryAsync();
        var writer = Writer(registry);
        var fence = new WriteFence("etcd", leaderKey, created);
        var ok = await writer.ApplyAsync(Batch(SyncId, ("orders", [CreateInstance("orders", 1)])) with { Fence = fence });
        ok.Created.ShouldBe(1);

        await Client.DeleteAsync(leaderKey);
        await Client.PutAsync(leaderKey, "replica-b");

        await Should.ThrowAsync<WriteFenceLostException>(() => writer.ApplyAsync(Batch(SyncId, ("orders", [CreateInstance("orders", 1), CreateInstance("orders", 2)])) with { Fence = fence }));
        (await Client.GetPrefixAsync(Prefix)).Kvs.Count.ShouldBe(1, "nothing of the fenced transaction was written");
    }

    [Fact]
    public async Task ApplyAsync_ManyInstances_BatchedIntoFewTransactions()
    {
        var instances = Enumerable.Range(0, 500).Select(i => CreateInstance("bulk", i)).ToArray();
        await using var registry = await CreateRegistryAsync();

        var result = await Writer(registry).ApplyAsync(Batch(SyncId, ("bulk", instances)));

        result.Created.ShouldBe(500);
        result.Requests.ShouldBeLessThanOrEqualTo(1 + 4 + (500 / 120) + 1, "a list, the lease, and one transaction per 120 writes");
        (await Client.GetPrefixAsync(Prefix)).Kvs.Count.ShouldBe(500);
    }

    [Fact]
    public async Task ApplyAsync_InstancesTheWriterNormalized_NotNormalizedAgain()
    {
        await using var registry = await CreateRegistryAsync();
        var writer = ((EtcdServiceRegistry)registry).Writer;
        var stored = Normalized(writer, CreateInstance("orders", 1), CreateInstance("orders", 2));
        var before = writer.Normalizations;

        var result = await writer.ApplyAsync(StoredBatch(("orders", stored)), CancellationToken.None);

        result.Created.ShouldBe(2);
        result.Rejected.ShouldBeEmpty();
        writer.Normalizations.ShouldBe(before, "the planner's normalized instances are the writer's own: not encoded and decoded again");
        (await Client.GetPrefixAsync(Prefix)).Kvs.Count.ShouldBe(2);
    }

    [Fact]
    public async Task ApplyAsync_EqualCopyAndChangedCopyOfNormalizedInstances_NormalizedAgainAndRefusedWhenEtcdCannotHoldThem()
    {
        var options = fixture.Server.ClientOptions(Prefix);
        options.Format = Format;
        options.MaxValueBytes = 1024;
        await using var registry = EtcdRegistryFactory.CreateRegistry("etcd", options);
        var writer = ((EtcdServiceRegistry)registry).Writer;
        var stored = Normalized(writer, CreateInstance("orders", 1), CreateInstance("orders", 2));
        var equalCopy = stored[0] with { };
        var metadata = stored[1].Metadata.ToDictionary(StringComparer.Ordinal);
        metadata["padding"] = new string('x', 2000);
        var tooLarge = stored[1] with { Metadata = metadata };
        var before = writer.Normalizations;

        var result = await writer.ApplyAsync(StoredBatch(("orders", [equalCopy, tooLarge])), CancellationToken.None);

        writer.Normalizations.ShouldBe(before + 2, "an equal copy and a caller's change are other objects: both normalized in full");
        result.Created.ShouldBe(1);
        result.Rejected.ShouldHaveSingleItem().Reason.ShouldContain("MaxValueBytes");
        (await Client.GetPrefixAsync(Prefix)).Kvs.Count.ShouldBe(1);
    }

    private static ServiceInstance[] Normalized(EtcdSyncWriter writer, params ServiceInstance[] instances) =>
        [.. instances.Select(i => writer.TryNormalize(SyncMetadata.Mark(i, SyncId, Origin), out var stored, out var reason) ? stored : throw new ShouldAssertException(reason))];

    private static WriteBatch StoredBatch(params (string Service, ServiceInstance[] Instances)[] services) => new()
    {
        SyncId = SyncId,
        Services = services.ToDictionary(static s => s.Service, static s => (IReadOnlyList<ServiceInstance>)s.Instances, StringComparer.Ordinal),
    };
}

/// <summary>The writer conformance suite in the Kratos format.</summary>
public sealed class EtcdKratosWriterConformanceTests(EtcdServerFixture fixture) : EtcdWriterConformanceTests(fixture)
{
    protected override EtcdKeyFormat Format => EtcdKeyFormat.Kratos;
}
