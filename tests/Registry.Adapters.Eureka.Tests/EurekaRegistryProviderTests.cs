using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Registry.Adapters.Testing;
using Shouldly;
using Xunit;

namespace Registry.Adapters.Eureka.Tests;

public sealed class EurekaRegistryProviderTests
{
    private static IConfigurationSection Section(Dictionary<string, string?> values) =>
        new ConfigurationBuilder().AddInMemoryCollection(values).Build().GetSection("Mesh:Registries:2");

    [Fact]
    public async Task Create_FromConfiguration_BindsOptionsAndReadsTheFake()
    {
        await using var server = await FakeEurekaServer.StartAsync();
        server.Register("ORDERS", FakeEurekaServer.InstanceJson("ORDERS", "o1", "10.0.0.1", 8080)).ShouldBeNull();
        var section = Section(new()
        {
            ["Mesh:Registries:2:Kind"] = "eureka",
            ["Mesh:Registries:2:ServiceUrls:0"] = server.BaseUrl,
            ["Mesh:Registries:2:FetchInterval"] = "00:00:00.100",
            ["Mesh:Registries:2:UseVipAddress"] = "true",
        });
        var provider = new EurekaRegistryProvider();

        await using var registry = provider.Create("eureka-2", section, new ServiceCollection().BuildServiceProvider());
        await using var recorder = new WatchRecorder(registry);

        provider.Kind.ShouldBe("eureka");
        registry.Name.ShouldBe("eureka-2");
        await recorder.ForViewAsync(v => v.ContainsKey("orders"), "the VIP name from configuration");
    }

    [Fact]
    public void Create_InvalidSection_NamesTheSettingAndTheFix()
    {
        var section = Section(new()
        {
            ["Mesh:Registries:2:Kind"] = "eureka",
            ["Mesh:Registries:2:ServiceUrls:0"] = "localhost:8761",
            ["Mesh:Registries:2:FetchInterval"] = "00:00:00",
        });

        var error = Should.Throw<OptionsValidationException>(() => new EurekaRegistryProvider().Create("eureka", section, new ServiceCollection().BuildServiceProvider()));

        error.Message.ShouldContain("Mesh:Registries:2:ServiceUrls:0 is not an absolute http(s) URL");
        error.Message.ShouldContain("Mesh:Registries:2:FetchInterval must be positive");
    }

    [Fact]
    public void Create_NoServiceUrls_SaysWhatToSet()
    {
        var error = Should.Throw<OptionsValidationException>(() => new EurekaRegistryProvider().Create("eureka", Section(new() { ["Mesh:Registries:2:Kind"] = "eureka" }), new ServiceCollection().BuildServiceProvider()));

        error.Message.ShouldContain("Set Mesh:Registries:2:ServiceUrls:0");
    }

    [Fact]
    public void EurekaRegistrar_InvalidOptions_ThrowsWithTheKindsChecks()
    {
        var error = Should.Throw<OptionsValidationException>(() => EurekaRegistrar.Create("eureka", new EurekaRegistryOptions { FetchInterval = TimeSpan.Zero }));

        error.OptionsName.ShouldBe("eureka");
        error.Failures.ShouldContain(f => f.Contains("Eureka:ServiceUrls", StringComparison.Ordinal));
        error.Failures.ShouldContain(f => f.Contains("Eureka:FetchInterval", StringComparison.Ordinal));
    }

    [Fact]
    public async Task AddEurekaRegistrar_ResolvesKeyedAndDefaultRegistrar()
    {
        var services = new ServiceCollection();
        services.AddEurekaRegistrar("eureka", o => o.ServiceUrls.Add("http://127.0.0.1:1/eureka/"));
        await using var provider = services.BuildServiceProvider();

        var keyed = provider.GetRequiredKeyedService<IServiceRegistrar>("eureka");

        keyed.Name.ShouldBe("eureka");
        provider.GetRequiredService<IServiceRegistrar>().ShouldBeSameAs(keyed);
    }

    [Fact]
    public void Options_Defaults_AreEurekas()
    {
        var options = new EurekaRegistryOptions();

        options.FetchInterval.ShouldBe(TimeSpan.FromSeconds(30));
        options.RenewalInterval.ShouldBe(TimeSpan.FromSeconds(30));
        options.LeaseDuration.ShouldBe(TimeSpan.FromSeconds(90));
        options.ZoneMetadataKey.ShouldBe("zone");
        options.Validate().ShouldContain(e => e.Contains("ServiceUrls is empty"));
    }
}

public sealed class EurekaBuilderExtensionsTests
{
    private sealed class Builder(IServiceCollection services) : IMeshRegistryBuilder
    {
        public IServiceCollection Services { get; } = services;
    }

    [Fact]
    public void AddEureka_AddsTheProviderOnce()
    {
        var services = new ServiceCollection();
        var builder = new Builder(services);

        builder.AddEureka("eureka", o => o.ServiceUrls.Add("http://127.0.0.1:8761/eureka/")).AddEureka("eureka-2", o => o.ServiceUrls.Add("http://127.0.0.1:8762/eureka/"));

        services.Count(d => d.ServiceType == typeof(IRegistryProvider)).ShouldBe(1);
        using var provider = services.BuildServiceProvider();
        provider.GetServices<IRegistryProvider>().ShouldHaveSingleItem().Kind.ShouldBe("eureka");
    }
}
