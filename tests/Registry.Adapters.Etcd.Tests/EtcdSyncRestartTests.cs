using Registry.Adapters.Sync;
using Registry.Adapters.Testing;
using Shouldly;
using Xunit;

namespace Registry.Adapters.Etcd.Tests;

/// <summary>The sync engine into a real etcd across a crash: the lease outlives the process, so a restart deletes and rewrites nothing.</summary>
public sealed class EtcdSyncRestartTests(EtcdServerFixture fixture) : IClassFixture<EtcdServerFixture>
{
    private readonly string _prefix = EtcdServerFixture.UniquePrefix("sync-restart");

    private static ServiceInstance Instance(string service, int i) => new()
    {
        Service = service,
        Id = $"{service}-{i}",
        Host = $"10.2.0.{i + 1}",
        Ports = [new ServicePort("http", 8080, "http")],
    };

    /// <summary>A mesh built with <c>AddMeshRegistry</c> over two scripted sources and the etcd target (which never syncs as a source).</summary>
    private static async Task<(MeshTestHost Mesh, ReplayRegistry Consul)> Catalog(bool secondSourceSynced)
    {
        var eureka = new ReplayRegistry("eureka");
        var consul = new ReplayRegistry("consul");
        var mesh = await MeshTestHost.StartAsync(m => m.AddTestRegistry(eureka).AddTestRegistry(consul).AddTestRegistry(new ReplayRegistry("etcd", "etcd")));
        await eureka.SnapshotAsync(Instance("orders", 1), Instance("orders", 2));
        if (secondSourceSynced)
        {
            await consul.SnapshotAsync(Instance("billing", 3));
        }

        return (mesh, consul);
    }

    private IServiceRegistry Target()
    {
        var options = fixture.Server.ClientOptions(_prefix);
        options.LeaseTtl = TimeSpan.FromSeconds(60);
        return EtcdRegistryFactory.CreateRegistry("etcd", options);
    }

    private static MeshSyncEngine Engine(IMeshCatalog catalog, IServiceRegistry target)
    {
        var options = new SyncOptions { SyncId = "restart-test" };
        options.To.Add("etcd");
        return new MeshSyncEngine(catalog, [(IServiceRegistryWriter)target], options);
    }

    [Fact]
    public async Task RunOnceAsync_RestartWhileASourceIsStillSyncing_DeletesAndRewritesNothing()
    {
        if (!fixture.Server.IsRunning)
        {
            await fixture.Server.RestartAsync();
        }

        using var client = await EtcdTestClient.ConnectAsync(fixture.Server);
        var (firstMesh, _) = await Catalog(secondSourceSynced: true);
        await using var firstCatalog = firstMesh;
        var first = Target();
        using (var engine = Engine(firstCatalog.Catalog, first))
        {
            (await engine.RunOnceAsync()).Writes.ShouldBe(3);
        }

        // The process dies without a goodbye: nothing is revoked or deleted.
        await first.DisposeAsync();
        var before = (await client.GetPrefixAsync(_prefix)).Kvs.Select(static k => (k.Key.ToStringUtf8(), k.ModRevision)).ToList();

        var (restartedMesh, consul) = await Catalog(secondSourceSynced: false);
        await using var restartedCatalog = restartedMesh;
        await using var second = Target();
        using var restarted = Engine(restartedCatalog.Catalog, second);
        var pass = await restarted.RunOnceAsync();

        pass.Writes.ShouldBe(0);
        pass.Targets[0].Deletes.ShouldBeEmpty();
        pass.Targets[0].HeldDeletes.ShouldBe(1, "billing's source has not answered yet");
        (await client.GetPrefixAsync(_prefix)).Kvs.Select(static k => (k.Key.ToStringUtf8(), k.ModRevision)).ShouldBe(before, "not one key was rewritten or deleted");

        await consul.SnapshotAsync(Instance("billing", 3));
        (await restarted.RunOnceAsync()).Writes.ShouldBe(0, "once every source answered, the target already equals the sources");
    }
}
