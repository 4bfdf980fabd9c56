using k8s.Models;
using Registry.Adapters.Kubernetes.Tests;
using Shouldly;
using Xunit;

namespace Registry.Adapters.Sync.Tests.Backends;

/// <summary><c>mesh-sync</c> against the fake Kubernetes API server, through a kubeconfig file as kubectl reads it.</summary>
public sealed class KubernetesConsoleTests : IAsyncLifetime
{
    private const string Token = "kube-bearer-token-e5d1";
    private readonly TempCatalogs _files = new();
    private FakeKubeApiServer _kube = null!;

    public async Task InitializeAsync()
    {
        _kube = await FakeKubeApiServer.StartAsync();
        _kube.RequiredToken = Token;
    }

    public async Task DisposeAsync()
    {
        await _kube.DisposeAsync();
        _files.Dispose();
    }

    /// <summary>Writes a kubeconfig with two contexts: <c>fake</c> (the API server) and <c>other</c> (a closed port).</summary>
    internal static string WriteKubeconfig(TempCatalogs files, Uri server, string currentContext = "fake", string token = Token) => files.Write("kubeconfig", $"""
        apiVersion: v1
        kind: Config
        clusters:
        - name: fake-cluster
          cluster:
            server: {server.ToString().TrimEnd('/')}
        - name: dead-cluster
          cluster:
            server: http://127.0.0.1:1
        users:
        - name: fake-user
          user:
            token: {token}
        contexts:
        - name: fake
          context:
            cluster: fake-cluster
            user: fake-user
        - name: other
          context:
            cluster: dead-cluster
            user: fake-user
        current-context: {currentContext}
        """);

    internal static V1EndpointSlice Slice(string ns, string service, string name, params (string Ip, string Pod, bool Ready, bool Terminating)[] endpoints) => new()
    {
        Metadata = new V1ObjectMeta
        {
            Name = name,
            NamespaceProperty = ns,
            Labels = new Dictionary<string, string>
            {
                ["kubernetes.io/service-name"] = service,
                ["endpointslice.kubernetes.io/managed-by"] = "endpointslice-controller.k8s.io",
            },
        },
        AddressType = "IPv4",
        Endpoints = [.. endpoints.Select(e => new V1Endpoint
        {
            Addresses = [e.Ip],
            Conditions = new V1EndpointConditions { Ready = e.Ready, Serving = e.Terminating ? true : null, Terminating = e.Terminating },
            TargetRef = new V1ObjectReference { Kind = "Pod", Name = e.Pod, NamespaceProperty = ns },
            Zone = "zone-k",
        })],
        Ports = [new Discoveryv1EndpointPort { Name = "http", Port = 8080, Protocol = "TCP", AppProtocol = "http" }],
    };

    [Fact]
    public async Task List_KubeconfigShortcut_ServiceDotNamespaceNamesHealthMapped()
    {
        _kube.PutSlice(Slice("shop", "orders", "orders-abc12", ("10.8.0.1", "orders-7d9f-1", true, false), ("10.8.0.2", "orders-7d9f-2", false, true)));
        _kube.PutSlice(Slice("billing", "ledger", "ledger-xyz34", ("10.8.1.1", "ledger-0", false, false)));
        var kubeconfig = WriteKubeconfig(_files, _kube.Url);

        var result = await CliRun.InProcessAsync("list", "--kubeconfig", kubeconfig, "--output", "json");

        result.ExitCode.ShouldBe(0, result.ToString());
        var catalog = CatalogDocument.Parse(result.Stdout);
        catalog.ServiceNames.ShouldBe(["ledger.billing", "orders.shop"]);
        var orders = catalog.Instances("orders.shop");
        orders.Select(i => (i.Registry, i.Host, i.Port, i.Health)).ShouldBe(
        [
            ("kubernetes", "10.8.0.1", 8080, "healthy"),
            ("kubernetes", "10.8.0.2", 8080, "draining"),
        ], "ready → healthy; serving and terminating → draining");
        catalog.Instances("ledger.billing").ShouldHaveSingleItem().Health.ShouldBe("unhealthy");
        catalog.Registries.ShouldBe([new PrintedRegistry("kubernetes", "kubernetes", "ready", null, 2, 3)]);
        result.Stdout.ShouldNotContain(Token);
        result.Stderr.ShouldNotContain(Token);
    }

    [Fact]
    public async Task List_ConfigKubernetesKindWithContextAndNamespaces_ReadsOnlyThoseNamespaces()
    {
        _kube.PutSlice(Slice("shop", "orders", "orders-abc12", ("10.9.0.1", "orders-1", true, false)));
        _kube.PutSlice(Slice("kube-system", "dns", "dns-1", ("10.9.9.1", "dns-1", true, false)));
        var kubeconfig = WriteKubeconfig(_files, _kube.Url, currentContext: "other").Replace("\\", "\\\\", StringComparison.Ordinal);
        var config = _files.Write("mesh.json", $$"""
            { "Mesh": { "Registries": [
              { "Name": "cluster-a", "Kind": "kubernetes", "KubeconfigPath": "{{kubeconfig}}", "Context": "fake",
                "Namespaces": [ "shop" ], "PageSize": 50 } ] } }
            """);

        var result = await CliRun.InProcessAsync("list", "--config", config, "--output", "json");

        result.ExitCode.ShouldBe(0, result.ToString());
        var catalog = CatalogDocument.Parse(result.Stdout);
        catalog.ServiceNames.ShouldBe(["orders.shop"]);
        catalog.Instances("orders.shop").ShouldHaveSingleItem().Registry.ShouldBe("cluster-a");
        catalog.Registry("cluster-a").ShouldBe(new PrintedRegistry("cluster-a", "kubernetes", "ready", null, 1, 1));
    }

    [Fact]
    public async Task List_KubeconfigWrongTokenAndGoodFile_Exit3FailedWithoutToken()
    {
        const string wrong = "wrong-kube-token-0c7d44";
        _kube.PutSlice(Slice("shop", "orders", "orders-abc12", ("10.9.1.1", "orders-1", true, false)));
        var kubeconfig = WriteKubeconfig(_files, _kube.Url, token: wrong);
        var file = _files.Write("a.json", TempCatalogs.A);

        var result = await CliRun.InProcessAsync("list", "--kubeconfig", kubeconfig, "--file", file, "--output", "json", "--verbose");

        result.ExitCode.ShouldBe(3, result.ToString());
        var catalog = CatalogDocument.Parse(result.Stdout);
        catalog.ServiceNames.ShouldBe(["orders", "payments"], "the file's services; nothing from the cluster");
        var kubernetes = catalog.Registries[0];
        (kubernetes.Name, kubernetes.Kind, kubernetes.State).ShouldBe(("kubernetes", "kubernetes", "failed"));
        kubernetes.Error.ShouldNotBeNullOrWhiteSpace();
        catalog.Registries[1].ShouldBe(new PrintedRegistry("file", "file", "ready", null, 2, 3));
        result.Stdout.ShouldNotContain(wrong);
        result.Stderr.ShouldNotContain(wrong);
    }

    [Fact]
    public async Task Watch_KubeconfigSliceAddedAndDeleted_PrintsAddedThenRemovedAndExits0OnInterrupt()
    {
        _kube.PutSlice(Slice("shop", "orders", "orders-abc12", ("10.9.2.1", "orders-1", true, false)));
        var kubeconfig = WriteKubeconfig(_files, _kube.Url);
        await using var watch = new WatchRun("--kubeconfig", kubeconfig, "--output", "json");
        CatalogDocument.From(await watch.WaitForLineAsync("snapshot")).ServiceNames.ShouldBe(["orders.shop"]);

        _kube.PutSlice(Slice("shop", "cart", "cart-q1w2e", ("10.9.2.5", "cart-1", true, false)));
        var added = await watch.WaitForLineAsync("added");
        _kube.DeleteSlice("shop", "cart-q1w2e").ShouldBeTrue();
        var removed = await watch.WaitForLineAsync("removed");
        var exit = await watch.StopAsync();

        exit.ShouldBe(0, watch.Stderr);
        added.GetProperty("service").GetProperty("name").GetString().ShouldBe("cart.shop");
        added.GetProperty("service").GetProperty("instances").EnumerateArray().Select(CatalogDocument.ToInstance)
            .Select(i => (i.Registry, i.Host, i.Port, i.Health)).ShouldBe([("kubernetes", "10.9.2.5", 8080, "healthy")]);
        removed.GetProperty("service").GetProperty("name").GetString().ShouldBe("cart.shop");
        removed.GetProperty("service").GetProperty("instances").GetArrayLength().ShouldBe(0);
    }

    [Theory]
    [InlineData(401)]
    [InlineData(403)]
    public async Task List_ServerQuotesTheBearerTokenBack_TokenInNoOutputErrorMasked(int status)
    {
        var token = $"{Guid.NewGuid():N}-kube-echoed-token-{status}";
        _kube.EchoCredential = true;
        _kube.RequiredToken = status == 401 ? "a-different-token-0000" : token;
        if (status == 403)
        {
            _kube.Deny("endpointslices", "list");
        }

        _kube.PutSlice(Slice("shop", "orders", "orders-abc12", ("10.9.3.1", "orders-1", true, false)));
        var kubeconfig = WriteKubeconfig(_files, _kube.Url, token: token);
        var file = _files.Write("a.json", TempCatalogs.A);

        var json = await CliRun.InProcessAsync("list", "--kubeconfig", kubeconfig, "--file", file, "--output", "json", "--verbose");
        var table = await CliRun.InProcessAsync("list", "--kubeconfig", kubeconfig, "--file", file, "--output", "table", "--verbose");

        json.ExitCode.ShouldBe(3, json.ToString());
        table.ExitCode.ShouldBe(3, table.ToString());
        var error = CatalogDocument.Parse(json.Stdout).Registry("kubernetes").Error.ShouldNotBeNull();
        error.ShouldContain(status == 401 ? "the token '***' is not valid" : "(request authenticated by 'Bearer ***')");
        table.Stdout.ShouldContain("failed");
        table.Stderr.ShouldContain(status == 401 ? "the token '***' is not valid" : "'Bearer ***'");
        foreach (var text in new[] { json.Stdout, json.Stderr, table.Stdout, table.Stderr })
        {
            text.ShouldNotContain(token);
            text.ShouldNotContain(token[..8], customMessage: "not even a prefix of the token");
        }
    }
}
