using System.Diagnostics.Metrics;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Registry.Adapters.Hosting;
using Registry.Adapters.Tests.Registries;
using Shouldly;
using Xunit;

namespace Registry.Adapters.Tests.DependencyInjection;

public sealed class AddMeshRegistryTests : IDisposable
{
    private readonly CatalogFile _a = new("a.json");
    private readonly CatalogFile _b = new("b.json");

    public AddMeshRegistryTests()
    {
        _a.Put(Instance("orders", 1));
        _a.Put(Instance("orders", 2));
        _a.Put(Instance("payments", 3));
        _a.WriteByRename();
        _b.Put(Instance("orders", 4));
        _b.WriteByRename();
    }

    public void Dispose()
    {
        _a.Dispose();
        _b.Dispose();
    }

    internal static ServiceInstance Instance(string service, int index) => new()
    {
        Service = service,
        Id = $"{service}-{index}",
        Host = $"10.0.0.{index}",
        Ports = [new ServicePort("http", 8080, "http")],
    };

    [Fact]
    public async Task AddMeshRegistry_Code_ResolvesOrdersFromInjectedCatalog()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddMeshRegistry(mesh => mesh.AddFile(_a.Path));
        using var host = builder.Build();
        await host.StartAsync();

        var catalog = host.Services.GetRequiredService<IMeshCatalog>();
        (await catalog.WaitForInitialSyncAsync().WaitAsync(TimeSpan.FromSeconds(20))).ShouldBeTrue();
        catalog.Resolve("orders").Select(i => i.Instance.Id).ShouldBe(["orders-1", "orders-2"]);
        catalog.Current.Registries.ShouldHaveSingleItem().Name.ShouldBe("file");
        await host.StopAsync();
    }

    [Fact]
    public async Task AddMeshRegistry_Configuration_BindsEveryMeshSetting()
    {
        var configuration = Configuration(new()
        {
            ["Mesh:Registries:0:Kind"] = "file",
            ["Mesh:Registries:0:Path"] = _a.Path,
            ["Mesh:Registries:0:NameTemplate"] = "{service}",
            ["Mesh:Registries:0:DropGuardRatio"] = "0.25",
            ["Mesh:Registries:1:Kind"] = "file",
            ["Mesh:Registries:1:Name"] = "eu",
            ["Mesh:Registries:1:Path"] = _b.Path,
            ["Mesh:Aliases:purchases"] = "orders",
            ["Mesh:Services:payments:Merge"] = "Failover",
            ["Mesh:Services:inventory-*:Merge"] = "Priority",
            ["Mesh:DefaultMerge"] = "Union",
            ["Mesh:StaleEvictionAfter"] = "00:05:00",
            ["Mesh:DropGuardRatio"] = "0.5",
            ["Mesh:ChangeQuietPeriod"] = "00:00:00.050",
            ["Mesh:ChangeMaxDelay"] = "00:00:00.500",
            ["Mesh:InitialSyncTimeout"] = "00:00:05",
        });
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddMeshRegistry(configuration.GetSection("Mesh"));
        using var host = builder.Build();

        var options = host.Services.GetRequiredService<IOptions<MeshOptions>>().Value;
        options.Registries.Count.ShouldBe(2);
        options.Registries[0].DropGuardRatio.ShouldBe(0.25);
        options.Aliases["purchases"].ShouldBe("orders");
        options.Services["payments"].Merge.ShouldBe(MergePolicy.Failover);
        options.Services["inventory-*"].Merge.ShouldBe(MergePolicy.Priority);
        options.StaleEvictionAfter.ShouldBe(TimeSpan.FromMinutes(5));
        options.DropGuardRatio.ShouldBe(0.5);
        options.ChangeQuietPeriod.ShouldBe(TimeSpan.FromMilliseconds(50));
        options.ChangeMaxDelay.ShouldBe(TimeSpan.FromMilliseconds(500));
        options.InitialSyncTimeout.ShouldBe(TimeSpan.FromSeconds(5));

        await host.StartAsync();
        var catalog = host.Services.GetRequiredService<IMeshCatalog>();
        (await catalog.WaitForInitialSyncAsync().WaitAsync(TimeSpan.FromSeconds(20))).ShouldBeTrue();
        catalog.Resolve("purchases").Select(i => $"{i.Registry}/{i.Instance.Id}").ShouldBe(["file/orders-1", "file/orders-2", "eu/orders-4"]);
        catalog.Current.Find("payments")!.Policy.ShouldBe(MergePolicy.Failover);
        await host.StopAsync();
    }

    [Fact]
    public async Task AddMeshRegistry_HostMeterFactory_PublishesCatalogMetrics()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddMeshRegistry(mesh => mesh.AddFile(_a.Path));
        using var host = builder.Build();
        var factory = host.Services.GetRequiredService<IMeterFactory>();
        using var changes = new MetricCollector<long>(factory, "Registry.Adapters", "registry.catalog.changes");
        using var services = new MetricCollector<int>(factory, "Registry.Adapters", "registry.catalog.services");
        await host.StartAsync();

        var catalog = host.Services.GetRequiredService<IMeshCatalog>();
        (await catalog.WaitForInitialSyncAsync().WaitAsync(TimeSpan.FromSeconds(20))).ShouldBeTrue();
        await changes.WaitForMeasurementsAsync(1, TimeSpan.FromSeconds(20));

        changes.GetMeasurementSnapshot().Sum(static m => m.Value).ShouldBe(2, "orders and payments were added");
        services.RecordObservableInstruments();
        services.LastMeasurement!.Value.ShouldBe(2);
        await host.StopAsync();
    }

    [Fact]
    public void Plan_ConfiguredThenCode_DefaultNamesAndPriorityOrder()
    {
        var memory = new InMemoryRegistry("memory");
        var services = new ServiceCollection();
        services.AddMeshRegistry(Configuration(new()
        {
            ["Mesh:Registries:0:Kind"] = "file",
            ["Mesh:Registries:0:Path"] = _a.Path,
            ["Mesh:Registries:1:Kind"] = "FILE",
            ["Mesh:Registries:1:Path"] = _b.Path,
            ["Mesh:Registries:2:Kind"] = "file",
            ["Mesh:Registries:2:Name"] = "late",
            ["Mesh:Registries:2:Priority"] = "10",
            ["Mesh:Registries:2:Path"] = _b.Path,
        }).GetSection("Mesh"))
            .AddFile("code", _a.Path)
            .AddInMemory(memory, priority: -1);
        using var provider = services.BuildServiceProvider();

        var plan = provider.GetRequiredService<MeshRegistryPlanner>().Plan(provider.GetRequiredService<IOptions<MeshOptions>>().Value);

        plan.Errors.ShouldBeEmpty();
        plan.Registries.Select(r => $"{r.Name}:{r.Kind}:{r.Priority}").ShouldBe(["memory:memory:-1", "file:file:0", "file-2:file:1", "code:file:3", "late:file:10"]);
    }

    [Fact]
    public void Plan_DefaultName_SkipsNamesTakenExplicitly()
    {
        var services = new ServiceCollection();
        services.AddMeshRegistry(Configuration(new()
        {
            ["Mesh:Registries:0:Kind"] = "file",
            ["Mesh:Registries:0:Path"] = _a.Path,
            ["Mesh:Registries:1:Kind"] = "file",
            ["Mesh:Registries:1:Name"] = "file-2",
            ["Mesh:Registries:1:Path"] = _b.Path,
            ["Mesh:Registries:2:Kind"] = "file",
            ["Mesh:Registries:2:Path"] = _b.Path,
        }).GetSection("Mesh"));
        using var provider = services.BuildServiceProvider();

        var plan = provider.GetRequiredService<MeshRegistryPlanner>().Plan(provider.GetRequiredService<IOptions<MeshOptions>>().Value);

        plan.Registries.Select(r => r.Name).ShouldBe(["file", "file-2", "file-3"]);
    }

    [Theory]
    [InlineData("Kind", "etcdd", "Mesh:Registries:1:Kind is 'etcdd', which no provider knows. Known kinds: file. Reference the backend package and call AddEtcddProvider().")]
    [InlineData("Kind", "", "Mesh:Registries:1:Kind is missing. Set it to one of: file.")]
    [InlineData("Name", "first", "Mesh:Registries:1:Name 'first' is used by another registry too. Give each registry a unique Name.")]
    [InlineData("Name", "a/b", "Mesh:Registries:1:Name is not a valid registry name")]
    [InlineData("DropGuardRatio", "1.5", "Mesh:Registries:1:DropGuardRatio is 1.5; set a share between 0 and 1")]
    [InlineData("NameTemplate", "{svc}.cf", "Mesh:Registries:1:NameTemplate '{svc}.cf' uses the unknown placeholder '{svc}'")]
    [InlineData("NameTemplate", "static", "Mesh:Registries:1:NameTemplate 'static' does not contain {service}")]
    public void Validate_BadRegistrySetting_MessageNamesSettingAndFix(string key, string value, string expected)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Mesh:Registries:0:Kind"] = "file",
            ["Mesh:Registries:0:Name"] = "first",
            ["Mesh:Registries:0:Path"] = _a.Path,
            ["Mesh:Registries:1:Kind"] = "file",
            ["Mesh:Registries:1:Path"] = _b.Path,
        };
        settings[$"Mesh:Registries:1:{key}"] = value;
        var services = new ServiceCollection();
        services.AddMeshRegistry(Configuration(settings).GetSection("Mesh"));
        using var provider = services.BuildServiceProvider();

        var error = Should.Throw<OptionsValidationException>(() => provider.GetRequiredService<IOptions<MeshOptions>>().Value);

        error.Failures.ShouldContain(f => f.StartsWith(expected, StringComparison.Ordinal), string.Join(" | ", error.Failures));
    }

    [Theory]
    [InlineData("DropGuardRatio", "-0.1", "Mesh:DropGuardRatio is -0.1; set a share between 0 and 1")]
    [InlineData("StaleEvictionAfter", "-00:01:00", "Mesh:StaleEvictionAfter is -00:01:00; set a positive age")]
    [InlineData("ChangeMaxDelay", "00:00:00.010", "Mesh:ChangeMaxDelay (00:00:00.0100000) is shorter than ChangeQuietPeriod")]
    [InlineData("InitialSyncTimeout", "00:00:00", "Mesh:InitialSyncTimeout is 00:00:00; set a positive time")]
    public void Validate_BadMeshSetting_MessageNamesSettingAndFix(string key, string value, string expected)
    {
        var services = new ServiceCollection();
        services.AddMeshRegistry(Configuration(new() { [$"Mesh:{key}"] = value }).GetSection("Mesh"));
        using var provider = services.BuildServiceProvider();

        var error = Should.Throw<OptionsValidationException>(() => provider.GetRequiredService<IOptions<MeshOptions>>().Value);

        error.Failures.ShouldContain(f => f.StartsWith(expected, StringComparison.Ordinal), string.Join(" | ", error.Failures));
    }

    [Fact]
    public async Task StartAsync_InvalidConfiguration_HostFailsToStartNamingSetting()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddMeshRegistry(Configuration(new() { ["Mesh:Registries:0:Kind"] = "consul" }).GetSection("Mesh"));
        using var host = builder.Build();

        var error = await Should.ThrowAsync<OptionsValidationException>(() => host.StartAsync());

        error.Message.ShouldContain("Mesh:Registries:0:Kind is 'consul'");
    }

    [Fact]
    public async Task StartAsync_FileElementWithoutPath_FailsNamingPath()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddMeshRegistry(Configuration(new() { ["Mesh:Registries:0:Kind"] = "file" }).GetSection("Mesh"));
        using var host = builder.Build();

        var error = await Should.ThrowAsync<OptionsValidationException>(() => host.StartAsync());

        error.Message.ShouldContain("Mesh:Registries:0:Path is missing");
    }

    [Fact]
    public async Task AddProvider_ConfiguredKind_ProviderGetsItsElementSection()
    {
        var provider = new RecordingProvider();
        var services = new ServiceCollection();
        services.AddMeshRegistry(Configuration(new()
        {
            ["Mesh:Registries:0:Kind"] = "recording",
            ["Mesh:Registries:0:Address"] = "http://127.0.0.1:1",
        }).GetSection("Mesh")).AddProvider(provider);
        await using var built = services.BuildServiceProvider();

        await built.GetRequiredService<MeshHostedService>().StartAsync(CancellationToken.None);
        await built.GetRequiredService<MeshHostedService>().StopAsync(CancellationToken.None);

        provider.Calls.ShouldBe(["recording Mesh:Registries:0 http://127.0.0.1:1"]);
    }

    [Fact]
    public void AddMeshRegistry_CalledTwice_RegistersCoreServicesOnce()
    {
        var services = new ServiceCollection();
        services.AddMeshRegistry();
        services.AddMeshRegistry();

        // The watches, and the start gate of Mesh:WaitForInitialSync: each once.
        services.Count(d => d.ServiceType == typeof(IHostedService)).ShouldBe(2);
        services.Count(d => d.ServiceType == typeof(IMeshCatalog)).ShouldBe(1);
        services.Count(d => d.ServiceType == typeof(IRegistryProvider)).ShouldBe(1);
        services.Count(d => d.ServiceType == typeof(TimeProvider)).ShouldBe(1);
    }

    [Fact]
    public async Task AddInMemory_InstancesResolveAndRegistryOutlivesHost()
    {
        var memory = new InMemoryRegistry("local");
        memory.Set(Instance("orders", 7));
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddMeshRegistry(mesh => mesh.AddInMemory(memory));
        using (var host = builder.Build())
        {
            await host.StartAsync();
            var catalog = host.Services.GetRequiredService<IMeshCatalog>();
            (await catalog.WaitForInitialSyncAsync().WaitAsync(TimeSpan.FromSeconds(20))).ShouldBeTrue();
            catalog.Resolve("orders").ShouldHaveSingleItem().Registry.ShouldBe("local");
            await host.StopAsync();
        }

        (await memory.ReadAsync()).Services["orders"].ShouldHaveSingleItem();
    }

    private static IConfigurationRoot Configuration(Dictionary<string, string?> values) =>
        new ConfigurationBuilder().AddInMemoryCollection(values).Build();

    private sealed class RecordingProvider : IRegistryProvider
    {
        public List<string> Calls { get; } = [];

        public string Kind => "recording";

        public IServiceRegistry Create(string name, IConfigurationSection configuration, IServiceProvider services)
        {
            Calls.Add($"{name} {configuration.Path} {configuration["Address"]}");
            return new InMemoryRegistry(name);
        }
    }
}
