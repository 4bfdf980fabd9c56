using System.Collections.Concurrent;
using Registry.Adapters.Sync;
using Registry.Adapters.Testing;
using Shouldly;
using Xunit;

namespace Registry.Adapters.Etcd.Tests;

/// <summary>
/// Two sync replicas, each with its own etcd registry as target and election store, the sync engine driven by its
/// candidate: exactly one writes; after the leader crashes the other takes over and the target ends equal to the source.
/// </summary>
public sealed class EtcdSyncElectionEngineTests(EtcdServerFixture fixture) : IClassFixture<EtcdServerFixture>
{
    private static readonly TimeSpan Takeover = TimeSpan.FromSeconds(30);
    private readonly string _name = "g" + Guid.NewGuid().ToString("N")[..12];
    private readonly string _prefix = EtcdServerFixture.UniquePrefix("election-engine");

    private static ServiceInstance Instance(int i) => new()
    {
        Service = "orders",
        Id = $"orders-{i}",
        Host = $"10.3.0.{i}",
        Ports = [new ServicePort("http", 8080, "http")],
    };

    private static RegistrySnapshotEvent Source(int count) => new(new RegistrySnapshot
    {
        Services = new Dictionary<string, IReadOnlyList<ServiceInstance>> { ["orders"] = [.. Enumerable.Range(1, count).Select(Instance)] },
    });

    [Fact]
    public async Task RunAsync_TwoReplicas_OnlyTheLeaderWritesAndTheOtherConvergesAfterACrash()
    {
        if (!fixture.Server.IsRunning)
        {
            await fixture.Server.RestartAsync();
        }

        using var client = await EtcdTestClient.ConnectAsync(fixture.Server);
        await using var a = await SyncReplica.StartAsync(fixture, _prefix, _name, "replica-a");
        await using var b = await SyncReplica.StartAsync(fixture, _prefix, _name, "replica-b");
        await a.Consul.ApplyAsync(Source(3));
        await b.Consul.ApplyAsync(Source(3));
        a.Start();
        b.Start();

        await Poll.UntilAsync(async () => (await client.GetPrefixAsync(_prefix)).Kvs.Count == 3, "the leader mirrored the source", Takeover);
        var (leader, standby) = a.Replica.Candidate.IsLeader ? (a, b) : (b, a);
        await Poll.UntilAsync(() => leader.Writes == 3, "the leader's pass completed");
        standby.Passes.ShouldBe(0, "a standby runs no pass at all");

        // The leader dies: no step-down, no revoke; the sync's writer lease is left to expire as well.
        await leader.CrashAsync();
        await a.Consul.ApplyAsync(Source(4));
        await b.Consul.ApplyAsync(Source(4));

        await standby.Replica.Candidate.WaitForLeadershipAsync().WaitAsync(Takeover);
        await Poll.UntilAsync(async () => (await client.GetPrefixAsync(_prefix)).Kvs.Count == 4, "the new leader converged the target", Takeover);
        await Poll.UntilAsync(() => standby.Passes > 0 && standby.Writes == 1, "the new leader's pass completed");
        standby.Writes.ShouldBe(1, "the new leader lists what the sync owns and writes only the difference");
        leader.Writes.ShouldBe(3);
        var keys = (await client.GetPrefixAsync(_prefix)).Kvs.Select(static k => k.Key.ToStringUtf8()).Order(StringComparer.Ordinal);
        keys.ShouldBe(Enumerable.Range(1, 4).Select(i => $"{_prefix}orders/orders-{i}").Order(StringComparer.Ordinal));
    }

    /// <summary>One sync replica: a mesh (<c>AddMeshRegistry</c>) whose source is fed by hand, its etcd registry (target and election store), the engine on its candidate.</summary>
    private sealed class SyncReplica : IAsyncDisposable
    {
        private readonly CancellationTokenSource _stop = new();
        private readonly ConcurrentQueue<SyncPassResult> _passes = new();
        private Task _run = Task.CompletedTask;
        private bool _crashed;

        private readonly MeshTestHost _mesh;

        private SyncReplica(EtcdServerFixture fixture, string prefix, string name, string identity, MeshTestHost mesh, ReplayRegistry consul)
        {
            _mesh = mesh;
            Consul = consul;
            Catalog = mesh.Catalog;
            Replica = EtcdElectionReplica.Create(fixture.Server.ClientOptions(prefix), EtcdElectionReplica.Options(name, identity), name);
            var options = new SyncOptions { SyncId = "engine-test" };
            options.To.Add("etcd");
            Engine = new MeshSyncEngine(Catalog, [(IServiceRegistryWriter)Replica.Registry], options, Replica.Candidate);
            Engine.PassCompleted = _passes.Enqueue;
        }

        public EtcdElectionReplica Replica { get; }

        /// <summary>The source registry the test feeds.</summary>
        public ReplayRegistry Consul { get; }

        public IMeshCatalog Catalog { get; }

        public MeshSyncEngine Engine { get; }

        public int Passes => _passes.Count;

        public int Writes => _passes.Sum(static p => p.Writes);

        public static async Task<SyncReplica> StartAsync(EtcdServerFixture fixture, string prefix, string name, string identity)
        {
            var consul = new ReplayRegistry("consul");
            var mesh = await MeshTestHost.StartAsync(m => m.AddTestRegistry(consul, priority: 0).AddTestRegistry(new ReplayRegistry("etcd", "etcd"), priority: 1));
            return new SyncReplica(fixture, prefix, name, identity, mesh, consul);
        }

        public void Start()
        {
            Replica.Candidate.Start();
            _run = Task.Run(() => Engine.RunAsync(_stop.Token));
        }

        public async Task CrashAsync()
        {
            _crashed = true;
            await _stop.CancelAsync();
            await _run;
            await Replica.Election.AbandonAsync();

            // The registry goes with the process: its writer's keep-alive stops, nothing is revoked.
            await Replica.Registry.DisposeAsync();
        }

        public async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync();
            await _run;
            if (!_crashed)
            {
                await Replica.DisposeAsync();
            }

            Engine.Dispose();
            await _mesh.DisposeAsync();
            _stop.Dispose();
        }
    }
}
