using Microsoft.Extensions.Time.Testing;
using Registry.Adapters.Testing;
using Shouldly;
using Xunit;

namespace Registry.Adapters.Eureka.Tests;

/// <summary>The writer conformance suite against the Eureka fake, plus what is Eureka's own: leases, heartbeats, status, no peer header.</summary>
public sealed class EurekaWriterConformanceTests : ServiceRegistryWriterConformanceTests
{
    private readonly List<IServiceRegistry> _registries = [];

    private FakeEurekaServer Fake { get; set; } = null!;

    private TimeProvider Time { get; set; } = TimeProvider.System;

    public override async Task InitializeAsync() => Fake = await FakeEurekaServer.StartAsync();

    public override async Task DisposeAsync()
    {
        foreach (var registry in _registries)
        {
            await registry.DisposeAsync();
        }

        await Fake.DisposeAsync();
        Fake.ReplicationRequests.ShouldBe(0, "the writer never poses as a Eureka peer");
    }

    protected override Task<IServiceRegistry> CreateRegistryAsync()
    {
        var options = new EurekaRegistryOptions { FetchInterval = TimeSpan.FromMilliseconds(100) };
        options.ServiceUrls.Add(Fake.BaseUrl);
        var registry = new EurekaServiceRegistry("eureka", options, Time);
        _registries.Add(registry);
        return Task.FromResult<IServiceRegistry>(registry);
    }

    protected override Task PutForeignAsync(ServiceInstance instance)
    {
        var error = Fake.Register(instance.Service, FakeEurekaServer.InstanceJson(instance.Service, instance.Id, instance.Host, instance.Ports[0].Port, metadata: instance.Metadata.ToDictionary()));
        return error is null ? Task.CompletedTask : throw new InvalidOperationException(error);
    }

    private async Task UseFakeClockAsync(FakeTimeProvider time)
    {
        await Fake.DisposeAsync();
        Fake = await FakeEurekaServer.StartAsync(time);
        Time = time;
    }

    [Fact]
    public async Task ApplyAsync_StatusFromHealth_DrainingIsTheOutOfServiceOverride()
    {
        await using var registry = await CreateRegistryAsync();
        var writer = Writer(registry);
        ServiceInstance[] instances =
        [
            CreateInstance("orders", 1),
            CreateInstance("orders", 2) with { Health = HealthStatus.Unhealthy },
            CreateInstance("orders", 3) with { Health = HealthStatus.Starting },
            CreateInstance("orders", 4) with { Health = HealthStatus.Draining },
        ];

        await writer.ApplyAsync(Batch(SyncId, ("orders", instances)));

        Fake.GetInstance("ORDERS", "orders-1")!["status"]!.ToString().ShouldBe("UP");
        Fake.GetInstance("ORDERS", "orders-2")!["status"]!.ToString().ShouldBe("DOWN");
        Fake.GetInstance("ORDERS", "orders-3")!["status"]!.ToString().ShouldBe("STARTING");
        Fake.GetInstance("ORDERS", "orders-4")!["status"]!.ToString().ShouldBe("OUT_OF_SERVICE");
        Fake.GetInstance("ORDERS", "orders-4")!["metadata"]!["mesh-sync-id"]!.ToString().ShouldBe(SyncId);
        var read = await ReadBackAsync(registry, "orders", i => i.Count == 4, "four instances");
        read.OrderBy(i => i.Id).Select(i => i.Health).ShouldBe([HealthStatus.Healthy, HealthStatus.Unhealthy, HealthStatus.Starting, HealthStatus.Draining]);

        var back = await writer.ApplyAsync(Batch(SyncId, ("orders", [.. instances[..3], instances[3] with { Health = HealthStatus.Healthy }])));

        back.Updated.ShouldBe(1);
        Fake.GetInstance("ORDERS", "orders-4")!["status"]!.ToString().ShouldBe("UP", "leaving draining removes the override");
        Fake.CountRequests("POST", "apps/ORDERS").ShouldBe(5);
    }

    [Fact]
    public async Task Heartbeat_KeepsEachLeasePastItsExpiry_ReregistersOn404_AndADeadSyncLetsThemExpire()
    {
        var time = new FakeTimeProvider(DateTimeOffset.Parse("2026-12-02T00:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
        await UseFakeClockAsync(time);
        var registry = (EurekaServiceRegistry)await CreateRegistryAsync();
        await Writer(registry).ApplyAsync(Batch(SyncId, ("orders", [CreateInstance("orders", 1), CreateInstance("orders", 2)])));
        registry.SyncWriter!.LeaseCount.ShouldBe(2);

        // Ten renewal intervals (300 s) is past twice the 90 s lease: only the heartbeats keep both listed.
        for (var i = 1; i <= 10; i++)
        {
            time.Advance(TimeSpan.FromSeconds(30));
            var expected = i;
            await Wait.UntilAsync(() => Fake.RenewalsOf("ORDERS", "orders-1") >= expected && Fake.RenewalsOf("ORDERS", "orders-2") >= expected, $"heartbeat {expected} of each lease");
        }

        Fake.InstanceCount.ShouldBe(2);

        // The server loses one lease: the next heartbeat gets 404 and registers that instance again.
        Fake.Cancel("ORDERS", "orders-2").ShouldBeTrue();
        time.Advance(TimeSpan.FromSeconds(30));
        await Wait.UntilAsync(() => registry.SyncWriter.Reregistrations == 1 && Fake.GetInstance("ORDERS", "orders-2") is not null, "re-registered after the 404");
        Fake.GetInstance("ORDERS", "orders-2")!["metadata"]!["mesh-sync-origin"]!.ToString().ShouldBe(Origin);

        // The sync dies: nothing cancels the leases, they expire on the server's clock.
        await registry.DisposeAsync();
        Fake.InstanceCount.ShouldBe(2, "disposing never removes written records");
        time.Advance(TimeSpan.FromSeconds(181));
        Fake.InstanceCount.ShouldBe(0);
        Fake.CountRequests("DELETE", "apps/ORDERS/orders-1").ShouldBe(0);
    }

    [Fact]
    public async Task ListOwnedAsync_AfterRestart_HeartbeatsTheRecordsItFinds()
    {
        var time = new FakeTimeProvider(DateTimeOffset.Parse("2026-12-02T00:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
        await UseFakeClockAsync(time);
        await using (var first = await CreateRegistryAsync())
        {
            await Writer(first).ApplyAsync(Batch(SyncId, ("orders", [CreateInstance("orders", 1)])));
        }

        var restarted = (EurekaServiceRegistry)await CreateRegistryAsync();
        (await Writer(restarted).ListOwnedAsync(SyncId)).InstanceCount.ShouldBe(1);
        for (var i = 1; i <= 7; i++)
        {
            time.Advance(TimeSpan.FromSeconds(30));
            var expected = i;
            await Wait.UntilAsync(() => Fake.RenewalsOf("ORDERS", "orders-1") >= expected, $"heartbeat {expected} from the restarted sync");
        }

        Fake.InstanceCount.ShouldBe(1, "210 s later the record is still there");
        Fake.CountRequests("POST", "apps/ORDERS").ShouldBe(1, "the restarted sync registered nothing again");
    }

    [Fact]
    public async Task TryNormalize_UpperCaseTargetName_Refused()
    {
        await using var registry = await CreateRegistryAsync();

        Writer(registry).TryNormalize(SyncMetadata.Mark(CreateInstance("Orders", 1), SyncId, Origin), out _, out var reason).ShouldBeFalse();

        reason.ShouldContain("lower case");
    }
}
