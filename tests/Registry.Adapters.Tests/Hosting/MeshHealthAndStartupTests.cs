using System.Runtime.CompilerServices;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Time.Testing;
using Shouldly;
using Xunit;
using HealthState = Microsoft.Extensions.Diagnostics.HealthChecks.HealthStatus;

namespace Registry.Adapters.Tests.Hosting;

/// <summary>Health checks per registry and start gating, through a whole generic host.</summary>
public sealed class MeshHealthAndStartupTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);

    private static ServiceInstance Instance(int index) => new()
    {
        Service = "orders",
        Id = $"orders-{index}",
        Host = $"10.0.0.{index}",
        Ports = [new ServicePort("http", 8080, "http")],
    };

    private static IHost BuildHost(Action<IMeshRegistryBuilder> mesh, Action<MeshOptions>? options = null, FakeTimeProvider? time = null, Action<IServiceCollection>? more = null)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Services.AddFakeLogging();
        builder.Services.AddSingleton<TimeProvider>(time ?? new FakeTimeProvider());
        var registry = builder.Services.AddMeshRegistry(mesh).AddHealthChecks();
        if (options is not null)
        {
            builder.Services.Configure(options);
        }

        more?.Invoke(builder.Services);
        return builder.Build();
    }

    private static async Task<HealthReportEntry> CheckAsync(IHost host, string registry)
    {
        var report = await host.Services.GetRequiredService<HealthCheckService>().CheckHealthAsync(static r => r.Tags.Contains("ready"));
        return report.Entries[$"mesh-registry:{registry}"];
    }

    private static async Task WaitForStateAsync(IHost host, string registry, RegistryState state)
    {
        var catalog = host.Services.GetRequiredService<IMeshCatalog>();
        using var timeout = new CancellationTokenSource(Patience);
        while (catalog.Current.Registries.FirstOrDefault(r => r.Name == registry)?.State != state)
        {
            var changed = catalog.GetChangeToken();
            if (catalog.Current.Registries.FirstOrDefault(r => r.Name == registry)?.State == state)
            {
                return;
            }

            var next = new TaskCompletionSource();
            using (changed.RegisterChangeCallback(static s => ((TaskCompletionSource)s!).TrySetResult(), next))
            {
                await next.Task.WaitAsync(timeout.Token);
            }
        }
    }

    [Fact]
    public async Task HealthCheck_ReadyThenStaleThenRecovered_HealthyDegradedHealthy()
    {
        var memory = new InMemoryRegistry("mem");
        memory.Set(Instance(1));
        using var host = BuildHost(m => m.AddInMemory(memory));
        await host.StartAsync();
        await WaitForStateAsync(host, "mem", RegistryState.Ready);

        var ready = await CheckAsync(host, "mem");
        ready.Status.ShouldBe(HealthState.Healthy);
        ready.Tags.ShouldBe(["ready"]);
        ready.Data["instances"].ShouldBe(1);

        memory.Fail("connection refused by 10.0.0.9:8500");
        await WaitForStateAsync(host, "mem", RegistryState.Stale);
        var stale = await CheckAsync(host, "mem");
        stale.Status.ShouldBe(HealthState.Degraded);
        stale.Description.ShouldNotBeNull().ShouldContain("connection refused by 10.0.0.9:8500");

        memory.Recover();
        await WaitForStateAsync(host, "mem", RegistryState.Ready);
        (await CheckAsync(host, "mem")).Status.ShouldBe(HealthState.Healthy);
        await host.StopAsync();
    }

    [Fact]
    public async Task HealthCheck_FailedBeforeFirstSync_UnhealthyWithError()
    {
        var memory = new InMemoryRegistry("mem");
        memory.Fail("401 Unauthorized");
        using var host = BuildHost(m => m.AddInMemory(memory));
        await host.StartAsync();
        await WaitForStateAsync(host, "mem", RegistryState.Failed);

        var entry = await CheckAsync(host, "mem");

        entry.Status.ShouldBe(HealthState.Unhealthy);
        entry.Description.ShouldNotBeNull().ShouldContain("401 Unauthorized");
        await host.StopAsync();
    }

    [Fact]
    public async Task HealthCheck_StillSyncing_UnhealthyNotSyncedYet_OneCheckPerRegistry()
    {
        var memory = new InMemoryRegistry("mem");
        using var host = BuildHost(m => m.AddInMemory(memory).AddRegistry(new RegistryDefinition("slow", "test", _ => new SilentRegistry("slow"))));
        await host.StartAsync();
        await WaitForStateAsync(host, "mem", RegistryState.Ready);

        var report = await host.Services.GetRequiredService<HealthCheckService>().CheckHealthAsync();

        report.Entries.Keys.Order().ShouldBe(["mesh-registry:mem", "mesh-registry:slow"]);
        report.Entries["mesh-registry:slow"].Status.ShouldBe(HealthState.Unhealthy);
        report.Entries["mesh-registry:slow"].Description.ShouldNotBeNull().ShouldContain("has not synced yet");
        report.Status.ShouldBe(HealthState.Unhealthy);
        await host.StopAsync();
    }

    [Fact]
    public async Task Start_WaitForInitialSync_LaterServicesStartOnlyAfterEveryRegistrySynced()
    {
        var memory = new InMemoryRegistry("mem");
        memory.Set(Instance(1));
        memory.Fail("not yet");
        var probe = new StartProbe();
        using var host = BuildHost(
            m => m.AddInMemory(memory),
            o => o.WaitForInitialSync = true,
            more: s => s.AddHostedService(sp => probe.With(sp.GetRequiredService<IMeshCatalog>())));

        var start = host.StartAsync();
        await WaitForStateAsync(host, "mem", RegistryState.Failed);
        memory.Recover();
        await start.WaitAsync(Patience);

        probe.InstancesAtStart.ShouldBe(1);
    }

    [Fact]
    public async Task Start_WaitForInitialSyncTimesOut_LogsAndStarts()
    {
        var time = new FakeTimeProvider();
        var probe = new StartProbe();
        using var host = BuildHost(
            m => m.AddRegistry(new RegistryDefinition("slow", "test", _ => new SilentRegistry("slow"))),
            o => { o.WaitForInitialSync = true; o.InitialSyncTimeout = TimeSpan.FromSeconds(5); },
            time,
            s => s.AddHostedService(sp => probe.With(sp.GetRequiredService<IMeshCatalog>())));
        var logs = host.Services.GetFakeLogCollector();

        var start = host.StartAsync();
        await WaitForLogAsync(logs, "Waiting for the initial sync");
        time.Advance(TimeSpan.FromSeconds(5));
        await start.WaitAsync(Patience);

        probe.InstancesAtStart.ShouldBe(0);
        logs.GetSnapshot().ShouldContain(r => r.Level == LogLevel.Warning && r.Message.Contains("did not sync within") && r.Message.Contains("slow (syncing)"));
        await host.StopAsync();
    }

    [Fact]
    public async Task Start_WaitForInitialSyncTimesOutWithFailStart_StartFailsNamingTheRegistryAndSetting()
    {
        var time = new FakeTimeProvider();
        var memory = new InMemoryRegistry("mem");
        memory.Fail("connection refused");
        using var host = BuildHost(
            m => m.AddInMemory(memory),
            o => { o.WaitForInitialSync = true; o.FailStartOnInitialSyncTimeout = true; o.InitialSyncTimeout = TimeSpan.FromSeconds(5); },
            time);
        var logs = host.Services.GetFakeLogCollector();

        var start = host.StartAsync();
        await WaitForLogAsync(logs, "Waiting for the initial sync");
        time.Advance(TimeSpan.FromSeconds(5));

        var ex = await Should.ThrowAsync<TimeoutException>(() => start.WaitAsync(Patience));
        ex.Message.ShouldContain("mem (failed: connection refused)");
        ex.Message.ShouldContain("Mesh:InitialSyncTimeout");
        await host.StopAsync();
    }

    [Fact]
    public async Task Start_WaitForInitialSyncOff_DoesNotWait()
    {
        var probe = new StartProbe();
        using var host = BuildHost(
            m => m.AddRegistry(new RegistryDefinition("slow", "test", _ => new SilentRegistry("slow"))),
            more: s => s.AddHostedService(sp => probe.With(sp.GetRequiredService<IMeshCatalog>())));

        await host.StartAsync().WaitAsync(Patience);

        probe.Started.ShouldBeTrue();
        host.Services.GetFakeLogCollector().GetSnapshot().ShouldNotContain(r => r.Message.Contains("Waiting for the initial sync"));
        await host.StopAsync();
    }

    private static async Task WaitForLogAsync(FakeLogCollector logs, string text)
    {
        using var timeout = new CancellationTokenSource(Patience);
        while (!logs.GetSnapshot().Any(r => r.Message.Contains(text)))
        {
            await Task.Delay(10, timeout.Token);
        }
    }

    /// <summary>A hosted service started after the mesh's: records what the catalog held when its turn came.</summary>
    private sealed class StartProbe : IHostedService
    {
        private IMeshCatalog? _catalog;

        public bool Started { get; private set; }

        public int InstancesAtStart { get; private set; } = -1;

        public StartProbe With(IMeshCatalog catalog)
        {
            _catalog = catalog;
            return this;
        }

        public Task StartAsync(CancellationToken cancellationToken)
        {
            Started = true;
            InstancesAtStart = _catalog!.Resolve("orders").Length;
            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }

    /// <summary>A registry that connects and never delivers its first snapshot.</summary>
    private sealed class SilentRegistry(string name) : IServiceRegistry
    {
        public string Name => name;

        public string Kind => "test";

        public Task<RegistrySnapshot> ReadAsync(CancellationToken cancellationToken = default) => Task.FromResult(RegistrySnapshot.Empty);

        public async IAsyncEnumerable<RegistryEvent> WatchAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
        {
            yield return new RegistryStateEvent(RegistryConnectionState.Connecting);
            await Task.Delay(Timeout.Infinite, cancellationToken);
        }

        public ValueTask DisposeAsync() => default;
    }
}
