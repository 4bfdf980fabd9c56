using Microsoft.Extensions.Configuration;
using Registry.Adapters.Kubernetes;
using Shouldly;
using Xunit;

namespace Registry.Adapters.Sync.Tests;

public sealed class RegistryShortcutsTests
{
    [Fact]
    public void All_EveryShortcutIsUnique()
    {
        var options = RegistryShortcuts.All.Select(s => s.Option).ToList();
        options.ShouldContain("--file");
        options.Distinct().Count().ShouldBe(options.Count);
    }

    [Fact]
    public void All_EveryKindIsOneTheConsoleKnows()
    {
        var kinds = RegistryProviders.All.Select(p => p.Kind).ToList();

        RegistryShortcuts.All.ShouldAllBe(s => kinds.Contains(s.Kind));
    }

    [Fact]
    public void Etcd_CommaSeparatedUrls_BecomeEndpoints()
    {
        var shortcut = RegistryShortcuts.All.Where(s => s.Kind == "etcd").ShouldHaveSingleItem();
        shortcut.Option.ShouldBe("--etcd");
        shortcut.TakesValue.ShouldBeTrue();

        var keys = shortcut.ToConfiguration("http://10.0.0.1:2379, 10.0.0.2:2379");

        keys["Endpoints:0"].ShouldBe("http://10.0.0.1:2379");
        keys["Endpoints:1"].ShouldBe("http://10.0.0.2:2379");
    }

    [Theory]
    [InlineData("")]
    [InlineData("ftp://x:1")]
    [InlineData("http://user:pw@x:2379")]
    public void Etcd_BadValue_ThrowsClearly(string value)
    {
        var ex = Should.Throw<ArgumentException>(() => Shortcut("--etcd").ToConfiguration(value));

        ex.Message.ShouldContain("--etcd");
        ex.Message.ShouldNotContain("pw@");
    }

    [Fact]
    public void Eureka_CommaSeparatedUrls_BecomeServiceUrls()
    {
        var shortcut = RegistryShortcuts.All.Where(s => s.Kind == "eureka").ShouldHaveSingleItem();

        var keys = shortcut.ToConfiguration("http://a:8761/eureka/, http://u:p@b:8761/eureka/");

        shortcut.Option.ShouldBe("--eureka");
        shortcut.TakesValue.ShouldBeTrue();
        keys["ServiceUrls:0"].ShouldBe("http://a:8761/eureka/");
        keys["ServiceUrls:1"].ShouldBe("http://u:p@b:8761/eureka/");
        var bad = Should.Throw<ArgumentException>(() => shortcut.ToConfiguration("ftp://x,http://u:secret@y/"));
        bad.Message.ShouldContain("--eureka");
        bad.Message.ShouldNotContain("secret");
    }

    [Fact]
    public void Consul_MapsUrlToAddressAndRejectsBadValues()
    {
        var shortcut = RegistryShortcuts.All.Where(s => s.Kind == "consul").ShouldHaveSingleItem();

        shortcut.Option.ShouldBe("--consul");
        shortcut.TakesValue.ShouldBeTrue();
        shortcut.ToConfiguration("http://10.0.0.5:8500")["Address"].ShouldBe("http://10.0.0.5:8500");
        shortcut.ToConfiguration("10.0.0.5:8500")["Address"].ShouldBe("10.0.0.5:8500");
        Should.Throw<ArgumentException>(() => shortcut.ToConfiguration(null)).Message.ShouldContain("--consul");
        Should.Throw<ArgumentException>(() => shortcut.ToConfiguration("ftp://x")).Message.ShouldContain("--consul");
    }

    [Fact]
    public void Consul_BadAddressWithUserInfo_IsShownWithout()
    {
        var ex = Should.Throw<ArgumentException>(() => Shortcut("--consul").ToConfiguration("ftp://admin:s3cret@x"));

        ex.Message.ShouldContain("--consul 'ftp://x/'");
        ex.Message.ShouldNotContain("s3cret");
    }

    [Fact]
    public void Kubernetes_KubeconfigAndInCluster_MapToOptionKeys()
    {
        new KubernetesRegistryProvider().Kind.ShouldBe("kubernetes");
        var kubeconfig = Shortcut("--kubeconfig");
        kubeconfig.Kind.ShouldBe("kubernetes");
        kubeconfig.TakesValue.ShouldBeTrue();
        kubeconfig.ToConfiguration("/home/me/.kube/config").ShouldBe(new Dictionary<string, string?> { ["KubeconfigPath"] = "/home/me/.kube/config" });
        Should.Throw<ArgumentException>(() => kubeconfig.ToConfiguration(" ")).Message.ShouldContain("--kubeconfig");

        var inCluster = Shortcut("--kubernetes");
        inCluster.Kind.ShouldBe("kubernetes");
        inCluster.TakesValue.ShouldBeFalse();
        inCluster.ToConfiguration(null).ShouldBe(new Dictionary<string, string?> { ["InCluster"] = "true" });
    }

    [Fact]
    public void File_Path_BecomesPath()
    {
        var shortcut = Shortcut("--file");

        shortcut.Kind.ShouldBe("file");
        shortcut.ValueName.ShouldBe("PATH");
        shortcut.ToConfiguration("catalog.json")["Path"].ShouldBe("catalog.json");
        Should.Throw<ArgumentException>(() => shortcut.ToConfiguration("")).Message.ShouldContain("catalog file");
    }

    [Theory]
    [InlineData("--etcd", "http://127.0.0.1:2379,127.0.0.2:2379")]
    [InlineData("--consul", "127.0.0.1:8500")]
    [InlineData("--eureka", "http://localhost:8761/eureka/")]
    [InlineData("--kubeconfig", null)]
    [InlineData("--file", null)]
    public void EveryShortcut_KeysBindCleanlyThroughItsProvider(string option, string? value)
    {
        var path = Path.GetTempFileName();
        try
        {
            var shortcut = Shortcut(option);
            var keys = shortcut.ToConfiguration(value ?? path);
            var section = new ConfigurationBuilder()
                .AddInMemoryCollection(keys.ToDictionary(p => "Mesh:Registries:0:" + p.Key, p => p.Value))
                .Build()
                .GetSection("Mesh:Registries:0");
            var provider = RegistryProviders.All.Single(p => p.Kind == shortcut.Kind);

            provider.Validate(shortcut.Kind, section).ShouldBeEmpty();
        }
        finally
        {
            File.Delete(path);
        }
    }

    private static RegistryShortcut Shortcut(string option) => RegistryShortcuts.All.Single(s => s.Option == option);
}
