using Registry.Adapters.Consul.Tests.Fake;
using Microsoft.Extensions.DependencyInjection;
using Registry.Adapters.Sync;
using Registry.Adapters.Testing;
using Shouldly;
using Xunit;

namespace Registry.Adapters.Consul.Tests.Leadership;

/// <summary>Two replicas of the sync electing their leader in Consul and writing into the same Consul: exactly one writes.</summary>
public sealed class ConsulElectedSyncTests : IAsyncLifetime
{
    private const string SyncId = "mesh-sync";
    private ElectionHarness _harness = null!;
    private readonly ReplayRegistry _eureka = new("eureka");
    private MeshTestHost _mesh = null!;
    private IMeshCatalog _catalog = null!;

    private FakeConsulServer Fake => _harness.Fake;

    public async Task InitializeAsync()
    {
        _harness = await ElectionHarness.StartAsync();
        _mesh = await MeshTestHost.StartAsync(
            m => m.AddTestRegistry(_eureka, priority: 0),
            o => o.DropGuardRatio = null,
            s => s.AddSingleton<TimeProvider>(_harness.Time));
        _catalog = _mesh.Catalog;
        await PublishAsync(4);
    }

    public async Task DisposeAsync()
    {
        await _mesh.DisposeAsync();
        await _harness.DisposeAsync();
    }

    private Task PublishAsync(int perService) => _eureka.ApplyAsync(new RegistrySnapshotEvent(
        new RegistrySnapshot
        {
            Services = Enumerable.Range(0, 3).ToDictionary(
                s => $"svc-{s}",
                s => (IReadOnlyList<ServiceInstance>)[.. Enumerable.Range(0, perService).Select(i => new ServiceInstance
                {
                    Service = $"svc-{s}",
                    Id = $"svc-{s}-{i}",
                    Host = $"10.0.{s}.{i + 1}",
                    Ports = [new ServicePort("http", 8080, "http")],
                    Health = HealthStatus.Healthy,
                })],
                StringComparer.Ordinal),
            Revision = perService.ToString(System.Globalization.CultureInfo.InvariantCulture),
        },
        false));

    private sealed record SyncReplica(ConsulServiceRegistry Registry, PartitionHandler Partition, ISyncElection Election, SyncShardCoordinator Coordinator, CancellationTokenSource Stop, Task Run);

    private SyncReplica Start(string identity)
    {
        var (registry, partition) = _harness.AddRegistry();
        var options = new SyncOptions { MaxDeleteRatio = 1 };
        options.To.Add("consul");
        options.LeaderElection.Kind = "consul";
        options.LeaderElection.Identity = identity;
        var election = SyncShardCoordinator.CreateElection(registry, options);
        var coordinator = new SyncShardCoordinator(_catalog, [registry], options, election, _harness.Time);
        var stop = new CancellationTokenSource();
        return new SyncReplica(registry, partition, election, coordinator, stop, Task.Run(() => coordinator.RunAsync(stop.Token)));
    }

    private static async Task StopAsync(SyncReplica replica)
    {
        replica.Partition.Heal();
        await replica.Stop.CancelAsync();
        await replica.Run;
        await replica.Coordinator.DisposeAsync();
        await replica.Election.DisposeAsync();
        await replica.Registry.DisposeAsync();
        replica.Stop.Dispose();
    }

    private int Mirrored(int perService) =>
        Fake.NodeServices(SyncId).Count == 3 * perService ? 3 * perService : -1;

    [Fact]
    public async Task TwoReplicas_OnlyTheLeaderWrites_ACrashedLeaderIsReplacedAndTheTargetEqualsTheSource()
    {
        var a = Start("a");
        await a.Coordinator.Candidates[0].WaitForLeadershipAsync().WaitAsync(TimeSpan.FromSeconds(15));
        var b = Start("b");
        try
        {
            await ConsulTestSupport.WaitUntilAsync(() => Mirrored(4) == 12, "the leader mirrored the source");
            await _harness.SessionOfAsync("b");
            b.Coordinator.LeadingShards.ShouldBeEmpty();
            b.Partition.Transactions.ShouldBe(0, "a standby does not write");

            a.Partition.Cut();
            await PublishAsync(5);
            var ticks = 0;
            var ledAt = -1;
            while (Mirrored(5) != 15 && ticks < 20)
            {
                await _harness.TickAsync("b");
                ticks++;
                if (ledAt < 0 && b.Coordinator.LeadingShards.Count > 0)
                {
                    ledAt = ticks;
                }
            }

            ledAt.ShouldBeInRange(10, 11, "b leads once Consul invalidated a's session, 2 × TTL (20 s) after its last renewal");

            Mirrored(5).ShouldBe(15, "b took over and wrote the change");
            b.Coordinator.LeadingShards.ShouldBe([0]);
            a.Coordinator.LeadingShards.ShouldBeEmpty("a stepped down at its renew deadline");
            Fake.NodeServices(SyncId).Keys.Order(StringComparer.Ordinal).ShouldBe(
                [.. Enumerable.Range(0, 3).SelectMany(s => Enumerable.Range(0, 5).Select(i => $"svc-{s}:svc-{s}-{i}")).Order(StringComparer.Ordinal)]);
        }
        finally
        {
            await StopAsync(b);
            await StopAsync(a);
        }
    }
}
