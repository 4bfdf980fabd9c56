using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Registry.Adapters.Etcd.Tests;
using Registry.Adapters.Testing;
using Shouldly;
using Xunit;

namespace Registry.Adapters.Sync.Tests.Backends;

/// <summary><c>AddMeshSync</c> with <c>Mesh:Sync:LeaderElection</c> and <c>Shards</c> in a hosted app: the etcd registry holds one election per shard and the shards' leaders mirror the source.</summary>
public sealed class EtcdHostedElectionTests(EtcdServerFixture fixture) : IClassFixture<EtcdServerFixture>
{
    private readonly string _prefix = EtcdServerFixture.UniquePrefix("hosted-election");

    [Fact]
    public async Task AddMeshSync_LeaderElectionFromConfiguration_LeadsEveryShardAndMirrors()
    {
        var name = "hosted-" + Guid.NewGuid().ToString("n")[..8];
        var memory = new InMemoryRegistry("memory");
        var services = Enumerable.Range(0, 12).Select(static i => $"svc-{i}").ToList();
        foreach (var service in services)
        {
            memory.Set(new ServiceInstance { Service = service, Id = service + "-1", Host = "10.0.0.1", Ports = [new ServicePort("http", 8080, "http")] });
        }

        var sync = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["To:0"] = "kv",
            ["Shards"] = "2",
            ["LeaderElection:Kind"] = "etcd",
            ["LeaderElection:Name"] = name,
            ["LeaderElection:LeaseDuration"] = "00:00:04",
            ["LeaderElection:RenewDeadline"] = "00:00:02.500",
            ["LeaderElection:RetryPeriod"] = "00:00:00.500",
        }).Build();
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddMeshRegistry(mesh => mesh
            .AddInMemory(memory)
            .AddEtcd("kv", o =>
            {
                o.Endpoints.Add(fixture.Server.ClientUrl);
                o.Prefix = _prefix;
            }));
        builder.Services.AddMeshSync(sync);
        using var client = await EtcdTestClient.ConnectAsync(fixture.Server);
        using (var host = builder.Build())
        {
            await host.StartAsync();

            await Poll.UntilAsync(async () => (await client.GetPrefixAsync(_prefix)).Kvs.Count == services.Count, "both shards' leader mirrors its services");
            (await client.GetPrefixAsync($"/mesh-sync/election/{name}-0/")).Kvs.Count.ShouldBe(1, "shard 0 has its own election, led by this replica");
            (await client.GetPrefixAsync($"/mesh-sync/election/{name}-1/")).Kvs.Count.ShouldBe(1, "shard 1 too");
            (await client.GetPrefixAsync($"/mesh-sync/replicas/{name}/")).Kvs.Count.ShouldBe(1, "one replica counted");

            await host.StopAsync();
        }

        (await client.GetPrefixAsync($"/mesh-sync/election/{name}-")).Kvs.Count.ShouldBe(0, "stopping steps down: the elections are released at once");
        (await client.GetPrefixAsync(_prefix)).Kvs.Count.ShouldBe(services.Count, "stepping down removes nothing it wrote");
    }
}
