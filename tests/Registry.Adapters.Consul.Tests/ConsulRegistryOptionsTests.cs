using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Shouldly;
using Xunit;

namespace Registry.Adapters.Consul.Tests;

public sealed class ConsulRegistryOptionsTests
{
    private static Func<string, string?> Env(params (string Key, string Value)[] values)
    {
        var map = values.ToDictionary(v => v.Key, v => v.Value);
        return key => map.GetValueOrDefault(key);
    }

    [Fact]
    public void Create_NothingSet_UsesCliDefaultAddress()
    {
        var settings = ConsulSettings.Create(new ConsulRegistryOptions { EnvironmentReader = Env() }, "Consul");

        settings.BaseAddress.ShouldBe(new Uri("http://127.0.0.1:8500/"));
        settings.Token.ShouldBeNull();
        settings.Wait.ShouldBe(TimeSpan.FromMinutes(5));
    }

    [Fact]
    public void Create_CliEnvironment_FillsUnsetValues()
    {
        var options = new ConsulRegistryOptions
        {
            EnvironmentReader = Env(("CONSUL_HTTP_ADDR", "consul.service.cf.internal:8501"), ("CONSUL_HTTP_SSL", "true"), ("CONSUL_HTTP_TOKEN", "env-token"), ("CONSUL_NAMESPACE", "team-a")),
        };

        var settings = ConsulSettings.Create(options, "Consul");

        settings.BaseAddress.ShouldBe(new Uri("https://consul.service.cf.internal:8501/"));
        settings.Token.ShouldBe("env-token");
        settings.Namespace.ShouldBe("team-a");
    }

    [Fact]
    public void Create_ExplicitValues_WinOverEnvironment()
    {
        var options = new ConsulRegistryOptions
        {
            Address = "http://10.0.0.1:8500",
            Token = "explicit",
            EnvironmentReader = Env(("CONSUL_HTTP_ADDR", "http://other:8500"), ("CONSUL_HTTP_TOKEN", "env-token")),
        };

        var settings = ConsulSettings.Create(options, "Consul");

        settings.BaseAddress.Host.ShouldBe("10.0.0.1");
        settings.Token.ShouldBe("explicit");
    }

    [Fact]
    public void Create_UseEnvironmentOff_IgnoresEnvironment()
    {
        var settings = ConsulSettings.Create(new ConsulRegistryOptions { UseEnvironment = false, EnvironmentReader = Env(("CONSUL_HTTP_TOKEN", "env-token")) }, "Consul");

        settings.Token.ShouldBeNull();
    }

    [Theory]
    [InlineData("http://user:pa55w0rd-xyz@10.0.0.1:8500", "Mesh:Registries:2:Address")]
    [InlineData("pa55w0rd-xyz@10.0.0.1:8500", "Mesh:Registries:2:Address")]
    public void Create_AddressWithUserInfo_IsRejectedWithoutEchoingIt(string address, string setting)
    {
        var ex = Should.Throw<OptionsValidationException>(() => ConsulSettings.Create(new ConsulRegistryOptions { Address = address, UseEnvironment = false }, "Mesh:Registries:2"));

        var failure = ex.Failures.ShouldHaveSingleItem();
        failure.ShouldStartWith(setting);
        failure.ShouldContain("put credentials in Token or TokenFile");
        ex.Message.ShouldNotContain("pa55w0rd-xyz");
    }

    [Fact]
    public void Create_AddressWithUserInfoFromEnvironment_NamesTheVariable()
    {
        var ex = Should.Throw<OptionsValidationException>(() => ConsulSettings.Create(new ConsulRegistryOptions { EnvironmentReader = Env(("CONSUL_HTTP_ADDR", "https://admin:hunter2-secret@consul:8501")) }, "Consul"));

        ex.Failures.ShouldHaveSingleItem().ShouldStartWith("CONSUL_HTTP_ADDR");
        ex.Message.ShouldNotContain("hunter2-secret");
    }

    [Fact]
    public void ToString_WithToken_NeverPrintsIt()
    {
        const string secret = "b1946ac9-secret-token-4f2e";
        var settings = ConsulSettings.Create(new ConsulRegistryOptions { Address = "http://10.0.0.1:8500", Token = secret, UseEnvironment = false }, "Consul");

        var text = settings.ToString();

        text.ShouldNotContain(secret);
        text.ShouldContain("Token = ***");
        text.ShouldContain("10.0.0.1");
        (settings with { Datacenter = "dc2" }).ToString().ShouldNotContain(secret);
    }

    [Theory]
    [InlineData(0L)]
    [InlineData(-1L)]
    [InlineData(1023L)]
    public void Create_MaxResponseBytesBelowTheSharedMinimum_NamesTheSetting(long value)
    {
        var ex = Should.Throw<OptionsValidationException>(() => ConsulSettings.Create(new ConsulRegistryOptions { MaxResponseBytes = value, UseEnvironment = false }, "Mesh:Registries:2"));

        ex.Failures.ShouldHaveSingleItem().ShouldStartWith("Mesh:Registries:2:MaxResponseBytes");
    }

    [Fact]
    public void Create_MaxResponseBytesUnset_Is64MiB()
    {
        var settings = ConsulSettings.Create(new ConsulRegistryOptions { UseEnvironment = false }, "Consul");

        settings.MaxResponseBytes.ShouldBe(64L * 1024 * 1024);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(16383)]
    public void Create_TxnMaxRequestBytesBelow16KiB_NamesTheSettingAndConsulsDefault(int value)
    {
        var ex = Should.Throw<OptionsValidationException>(() => ConsulSettings.Create(new ConsulRegistryOptions { TxnMaxRequestBytes = value, UseEnvironment = false }, "Mesh:Registries:2"));

        ex.Failures.ShouldHaveSingleItem().ShouldBe("Mesh:Registries:2:TxnMaxRequestBytes must be at least 16384. Set it to the servers' limits.txn_max_req_len (Consul's default is 524288).");
    }

    [Fact]
    public void Create_TxnMaxRequestBytesUnset_IsConsulsDefaultTxnMaxReqLen()
    {
        var settings = ConsulSettings.Create(new ConsulRegistryOptions { UseEnvironment = false }, "Consul");

        settings.TxnMaxRequestBytes.ShouldBe(524288);
    }

    [Fact]
    public void Create_InvalidSettings_NamesEachSettingAndTheFix()
    {
        var options = new ConsulRegistryOptions
        {
            Address = "ftp://nope",
            Wait = TimeSpan.FromMinutes(11),
            TokenFile = "/no/such/token",
            ClientCertificateFile = "/no/such/cert.pem",
            UseEnvironment = false,
        };
        options.Registration.DeregisterCriticalServiceAfter = TimeSpan.FromSeconds(10);

        var ex = Should.Throw<OptionsValidationException>(() => ConsulSettings.Create(options, "Mesh:Registries:2"));

        ex.Failures.ShouldContain(f => f.StartsWith("Mesh:Registries:2:Address", StringComparison.Ordinal) && f.Contains("http://127.0.0.1:8500"));
        ex.Failures.ShouldContain(f => f.StartsWith("Mesh:Registries:2:Wait", StringComparison.Ordinal));
        ex.Failures.ShouldContain(f => f.StartsWith("Mesh:Registries:2:TokenFile", StringComparison.Ordinal));
        ex.Failures.ShouldContain(f => f.Contains("ClientKeyFile", StringComparison.Ordinal));
        ex.Failures.ShouldContain(f => f.Contains("DeregisterCriticalServiceAfter", StringComparison.Ordinal));
    }

    [Fact]
    public void Create_BadAddressFromEnvironment_NamesTheVariable()
    {
        var ex = Should.Throw<OptionsValidationException>(() => ConsulSettings.Create(new ConsulRegistryOptions { EnvironmentReader = Env(("CONSUL_HTTP_ADDR", "unix:///var/run/consul.sock")) }, "Consul"));

        ex.Failures.ShouldHaveSingleItem().ShouldStartWith("CONSUL_HTTP_ADDR");
    }

    [Fact]
    public void Create_TokenWithLineBreak_FailsWithoutEchoingIt()
    {
        var ex = Should.Throw<OptionsValidationException>(() => ConsulSettings.Create(new ConsulRegistryOptions { Token = "abc\ndef-secret", UseEnvironment = false }, "Consul"));

        ex.Message.ShouldNotContain("def-secret");
    }

    [Fact]
    public void Provider_Create_BindsSectionAndValidatesWithItsPath()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Mesh:Registries:0:Name"] = "cf",
            ["Mesh:Registries:0:Kind"] = "consul",
            ["Mesh:Registries:0:Address"] = "http://127.0.0.1:8500",
            ["Mesh:Registries:0:Datacenter"] = "dc1",
            ["Mesh:Registries:0:TagFilter:0"] = "v2",
            ["Mesh:Registries:0:Wait"] = "00:00:30",
            ["Mesh:Registries:0:UseEnvironment"] = "false",
            ["Mesh:Registries:1:Kind"] = "consul",
            ["Mesh:Registries:1:Wait"] = "01:00:00",
        }).Build();
        using var services = new ServiceCollection().BuildServiceProvider();
        var provider = new ConsulRegistryProvider();

        var registry = (ConsulServiceRegistry)provider.Create("cf", configuration.GetSection("Mesh:Registries:0"), services);

        registry.Kind.ShouldBe("consul");
        registry.Settings.Datacenter.ShouldBe("dc1");
        registry.Settings.TagFilter.ShouldBe(["v2"]);
        registry.Settings.Wait.ShouldBe(TimeSpan.FromSeconds(30));
        var ex = Should.Throw<OptionsValidationException>(() => provider.Create("consul-2", configuration.GetSection("Mesh:Registries:1"), services));
        ex.Message.ShouldContain("Mesh:Registries:1:Wait");
    }

    [Fact]
    public void AddConsul_AddsDefinitionAndProvider()
    {
        var services = new ServiceCollection();
        var builder = new TestBuilder(services);

        builder.AddConsul("cf", o => o.Address = "http://127.0.0.1:8500").AddConsul("cf-2");

        using var provider = services.BuildServiceProvider();
        provider.GetServices<IRegistryProvider>().Count(p => p.Kind == "consul").ShouldBe(1, "the kind is added once however many registries use it");
    }

    private sealed class TestBuilder(IServiceCollection services) : IMeshRegistryBuilder
    {
        public IServiceCollection Services { get; } = services;
    }
}
