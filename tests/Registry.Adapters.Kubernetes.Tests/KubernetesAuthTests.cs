using k8s;
using Microsoft.Extensions.Time.Testing;
using Shouldly;
using Xunit;

namespace Registry.Adapters.Kubernetes.Tests;

public sealed class KubernetesAuthTests : IAsyncLifetime
{
    private KubernetesTestHost _host = null!;
    private string _folder = null!;

    public async Task InitializeAsync()
    {
        _host = await KubernetesTestHost.StartAsync();
        _host.Server.PutSlice(K8sObjects.Slice("shop", "orders", "orders-a", new Ep("10.0.0.1", "p1")));
        _folder = Directory.CreateTempSubdirectory("k8s-sa-").FullName;
    }

    public async Task DisposeAsync()
    {
        await _host.DisposeAsync();
        Directory.Delete(_folder, recursive: true);
    }

    [Fact]
    public async Task ReadAsync_KubeconfigContextOption_UsesThatContext()
    {
        // The file's current context points at a dead port; the option picks the one at the fake.
        var path = FakeKubeconfig.Write(_host.Server.Url, context: "fake");
        File.WriteAllText(path, File.ReadAllText(path).Replace("current-context: fake", "current-context: other", StringComparison.Ordinal));
        try
        {
            await using var registry = new KubernetesServiceRegistry("k", _host.Options(o =>
            {
                o.KubeconfigPath = path;
                o.Context = "fake";
            }));

            (await registry.ReadAsync()).Services.ShouldContainKey("orders.shop");
        }
        finally
        {
            FakeKubeconfig.Delete(path);
        }
    }

    [Fact]
    public async Task ReadAsync_NoPathButKubeconfigVariable_ReadsTheVariable()
    {
        await using var registry = new KubernetesServiceRegistry("k", _host.Options(o =>
        {
            o.KubeconfigPath = null;
            o.GetEnvironmentVariable = name => name == "KUBECONFIG" ? $"/nonexistent/config{Path.PathSeparator}{_host.KubeconfigPath}" : null;
        }));

        (await registry.ReadAsync()).Services.ShouldContainKey("orders.shop");
    }

    [Fact]
    public async Task ReadAsync_MissingKubeconfig_ThrowsPermanentErrorNamingTheSetting()
    {
        await using var registry = new KubernetesServiceRegistry("k", _host.Options(o => o.KubeconfigPath = "/nonexistent/kubeconfig"));

        var error = await Should.ThrowAsync<RegistryException>(() => registry.ReadAsync());

        error.IsPermanent.ShouldBeTrue();
        error.Message.ShouldContain("KubeconfigPath");
    }

    [Fact]
    public void InCluster_EnvironmentAndServiceAccount_BuildHttpsHostAndTokenProvider()
    {
        File.WriteAllText(Path.Combine(_folder, "token"), "sa-token-1");
        var options = new KubernetesRegistryOptions
        {
            InCluster = true,
            ServiceAccountPath = _folder,
            GetEnvironmentVariable = name => name switch
            {
                "KUBERNETES_SERVICE_HOST" => "10.96.0.1",
                "KUBERNETES_SERVICE_PORT" => "443",
                _ => null,
            },
        };

        var configuration = KubernetesClientFactory.InCluster(options, TimeProvider.System);

        configuration.Host.ShouldBe("https://10.96.0.1/");
        configuration.TokenProvider.ShouldBeOfType<ServiceAccountTokenProvider>();
    }

    [Fact]
    public void InCluster_OutsideAPod_FailsWithAClearMessage()
    {
        var options = new KubernetesRegistryOptions { InCluster = true, ServiceAccountPath = _folder, GetEnvironmentVariable = _ => null };

        var error = Should.Throw<RegistryException>(() => KubernetesClientFactory.InCluster(options, TimeProvider.System));

        error.Message.ShouldContain("KUBERNETES_SERVICE_HOST");
        error.IsPermanent.ShouldBeTrue();
    }

    [Fact]
    public async Task ServiceAccountToken_Rotated_IsReadAgainAfterTheReloadInterval()
    {
        var tokenFile = Path.Combine(_folder, "token");
        File.WriteAllText(tokenFile, "sa-token-1\n");
        var time = new FakeTimeProvider(DateTimeOffset.Parse("2026-11-23T20:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
        var provider = new ServiceAccountTokenProvider(tokenFile, TimeSpan.FromMinutes(1), time);
        using var client = new k8s.Kubernetes(new KubernetesClientConfiguration { Host = _host.Server.Url.ToString(), TokenProvider = provider });
        _host.Server.RequiredToken = "sa-token-1";
        (await client.DiscoveryV1.ListEndpointSliceForAllNamespacesAsync()).Items.Count.ShouldBe(1);

        // The kubelet rotates the projected token; the server stops accepting the old one.
        File.WriteAllText(tokenFile, "sa-token-2\n");
        _host.Server.RequiredToken = "sa-token-2";
        time.Advance(TimeSpan.FromSeconds(30));
        var stale = await Should.ThrowAsync<k8s.Autorest.HttpOperationException>(() => client.DiscoveryV1.ListEndpointSliceForAllNamespacesAsync());
        stale.Response.StatusCode.ShouldBe(System.Net.HttpStatusCode.Unauthorized);

        time.Advance(TimeSpan.FromSeconds(31));
        (await client.DiscoveryV1.ListEndpointSliceForAllNamespacesAsync()).Items.Count.ShouldBe(1);
        provider.Reads.ShouldBe(2);
    }
}
