using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Shouldly;
using Xunit;

namespace Registry.Adapters.Etcd.Tests;

public sealed class EtcdRegistryProviderTests
{
    private readonly EtcdRegistryProvider _provider = new();

    [Fact]
    public async Task Create_BindsEveryOption()
    {
        var section = Section(new Dictionary<string, string?>
        {
            ["Endpoints:0"] = "http://127.0.0.1:2379",
            ["Endpoints:1"] = "http://127.0.0.2:2379",
            ["Prefix"] = "/apps",
            ["Format"] = "Kratos",
            ["Username"] = "u",
            ["Password"] = "p",
            ["DialTimeout"] = "00:00:03",
            ["RequestTimeout"] = "00:00:04",
            ["PageSize"] = "500",
            ["LeaseTtl"] = "00:00:20",
            ["MaxValueBytes"] = "4096",
        });

        var errors = new List<string>();
        var options = _provider.Bind(section, errors);
        errors.ShouldBeEmpty();
        _provider.Validate("etcd", section).ShouldBeEmpty();
        await using var registry = _provider.Create("etcd", section, new ServiceCollection().BuildServiceProvider());

        options.Endpoints.ShouldBe(["http://127.0.0.1:2379", "http://127.0.0.2:2379"]);
        options.EffectivePrefix.ShouldBe("/apps/");
        options.Format.ShouldBe(EtcdKeyFormat.Kratos);
        (options.Username, options.Password).ShouldBe(("u", "p"));
        options.DialTimeout.ShouldBe(TimeSpan.FromSeconds(3));
        options.RequestTimeout.ShouldBe(TimeSpan.FromSeconds(4));
        options.PageSize.ShouldBe(500);
        options.LeaseTtl.ShouldBe(TimeSpan.FromSeconds(20));
        options.MaxValueBytes.ShouldBe(4096);
        registry.Kind.ShouldBe("etcd");
        registry.Name.ShouldBe("etcd");
    }

    [Fact]
    public void Create_NoEndpoints_NamesTheSettingAndTheFix()
    {
        var section = Section(new Dictionary<string, string?> { ["Prefix"] = "/x/" });

        var ex = Should.Throw<OptionsValidationException>(() => _provider.Create("etcd", section, new ServiceCollection().BuildServiceProvider()));

        ex.Message.ShouldContain("Mesh:Registries:0:Endpoints:0");
    }

    [Fact]
    public void Factory_InvalidOptions_ThrowWithTheKindsChecks()
    {
        var options = new EtcdRegistryOptions { PageSize = 0 };

        var registry = Should.Throw<OptionsValidationException>(() => EtcdRegistryFactory.CreateRegistry("etcd", options));
        var registrar = Should.Throw<OptionsValidationException>(() => EtcdRegistryFactory.CreateRegistrar("etcd", options));

        registry.Failures.ShouldContain(f => f.Contains("Mesh:Registries:etcd:Endpoints:0", StringComparison.Ordinal));
        registry.Failures.ShouldContain(f => f.Contains("Mesh:Registries:etcd:PageSize", StringComparison.Ordinal));
        registrar.Failures.ShouldBe(registry.Failures);
    }

    [Fact]
    public void Validate_BadValues_ReportEach()
    {
        var options = new EtcdRegistryOptions { Prefix = "no-slash", Username = "u", PageSize = 0, LeaseTtl = TimeSpan.FromSeconds(1), CaFile = "/does/not/exist.pem" };
        options.Endpoints.Add("not a url");

        var errors = options.Validate("Mesh:Registries:1");

        errors.ShouldContain(e => e.Contains("Mesh:Registries:1:Endpoints:0", StringComparison.Ordinal));
        errors.ShouldContain(e => e.Contains("Mesh:Registries:1:Prefix", StringComparison.Ordinal));
        errors.ShouldContain(e => e.Contains("Mesh:Registries:1:Password", StringComparison.Ordinal));
        errors.ShouldContain(e => e.Contains("Mesh:Registries:1:PageSize", StringComparison.Ordinal));
        errors.ShouldContain(e => e.Contains("Mesh:Registries:1:LeaseTtl", StringComparison.Ordinal));
        errors.ShouldContain(e => e.Contains("Mesh:Registries:1:CaFile", StringComparison.Ordinal));
    }

    [Fact]
    public void AddEtcd_RegistersTheKindAndARegistrar()
    {
        var services = new ServiceCollection();
        var mesh = new TestMeshBuilder(services);

        mesh.AddEtcd("etcd", o => o.Endpoints.Add("http://127.0.0.1:2379"));
        services.AddEtcdRegistrar("etcd", o => o.Endpoints.Add("http://127.0.0.1:2379"));
        using var provider = services.BuildServiceProvider();

        provider.GetServices<IRegistryProvider>().ShouldContain(p => p.Kind == "etcd");
        provider.GetRequiredService<IOptions<MeshOptions>>().Value.ShouldNotBeNull();
        provider.GetRequiredKeyedService<IServiceRegistrar>("etcd").Name.ShouldBe("etcd");
        provider.GetRequiredService<IServiceRegistrar>().Name.ShouldBe("etcd");
    }

    private static IConfigurationSection Section(Dictionary<string, string?> values) =>
        new ConfigurationBuilder()
            .AddInMemoryCollection(values.ToDictionary(p => "Mesh:Registries:0:" + p.Key, p => p.Value))
            .Build()
            .GetSection("Mesh:Registries:0");

    private sealed class TestMeshBuilder(IServiceCollection services) : IMeshRegistryBuilder
    {
        public IServiceCollection Services { get; } = services;
    }
}
