using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Shouldly;
using Xunit;

namespace Registry.Adapters.Kubernetes.Tests;

public sealed class KubernetesRegistryProviderTests
{
    private readonly KubernetesRegistryProvider _provider = new();

    [Fact]
    public async Task Create_Section_BindsOptions()
    {
        var path = Path.GetTempFileName();
        try
        {
            var section = Section(new()
            {
                ["Mesh:Registries:0:Name"] = "prod",
                ["Mesh:Registries:0:Kind"] = "kubernetes",
                ["Mesh:Registries:0:KubeconfigPath"] = path,
                ["Mesh:Registries:0:Namespaces:0"] = "shop",
                ["Mesh:Registries:0:LabelSelector"] = "app=orders",
                ["Mesh:Registries:0:PageSize"] = "50",
            });

            await using var registry = _provider.Create("prod", section, new ServiceCollection().BuildServiceProvider());

            registry.Name.ShouldBe("prod");
            registry.Kind.ShouldBe("kubernetes");
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Create_InvalidSection_NamesTheSettingAndTheFix()
    {
        var section = Section(new()
        {
            ["Mesh:Registries:2:Kind"] = "kubernetes",
            ["Mesh:Registries:2:PageSize"] = "0",
            ["Mesh:Registries:2:Namespaces:0"] = "Bad_Namespace",
            ["Mesh:Registries:2:KubeconfigPath"] = "/nonexistent/config",
        });

        var error = Should.Throw<OptionsValidationException>(() => _provider.Create("k", section, new ServiceCollection().BuildServiceProvider()));

        error.Failures.ShouldContain(f => f.Contains("Mesh:Registries:2:PageSize", StringComparison.Ordinal));
        error.Failures.ShouldContain(f => f.Contains("Mesh:Registries:2:Namespaces:0", StringComparison.Ordinal));
        error.Failures.ShouldContain(f => f.Contains("Mesh:Registries:2:KubeconfigPath", StringComparison.Ordinal));
    }

    [Fact]
    public void Validate_InClusterWithKubeconfig_IsRejected()
    {
        var options = new KubernetesRegistryOptions { InCluster = true, KubeconfigPath = "/x" };

        options.Validate("Mesh:Registries:0").ShouldContain(e => e.Contains("InCluster", StringComparison.Ordinal));
        new KubernetesRegistryOptions().Validate().ShouldBeEmpty();
    }

    [Fact]
    public void AddKubernetes_RegistersDefinitionAndProvider()
    {
        var services = new ServiceCollection();
        var builder = new TestBuilder(services);

        builder.AddKubernetes("k8s", o => o.Namespaces.Add("shop"));

        using var provider = services.BuildServiceProvider();
        provider.GetServices<IRegistryProvider>().ShouldHaveSingleItem().ShouldBeOfType<KubernetesRegistryProvider>();
        services.ShouldContain(d => d.ServiceType == typeof(IConfigureOptions<MeshOptions>), "the registry definition is added to MeshOptions");
    }

    private static IConfigurationSection Section(Dictionary<string, string?> values)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(values).Build();
        var path = values.Keys.First()[..values.Keys.First().LastIndexOf(':')];
        return configuration.GetSection(path);
    }

    private sealed class TestBuilder(IServiceCollection services) : IMeshRegistryBuilder
    {
        public IServiceCollection Services { get; } = services;
    }
}
