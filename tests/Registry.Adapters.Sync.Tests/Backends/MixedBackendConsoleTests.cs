using System.Net;
using System.Net.Sockets;
using Registry.Adapters.Consul.Tests.Fake;
using Registry.Adapters.Etcd.Tests;
using Shouldly;
using Xunit;

namespace Registry.Adapters.Sync.Tests.Backends;

/// <summary><c>mesh-sync</c> merging several kinds at once: a file, a real etcd, the Consul fake.</summary>
public sealed class MixedBackendConsoleTests : IClassFixture<EtcdServerFixture>, IAsyncLifetime
{
    private readonly EtcdServer _etcd;
    private readonly List<string> _keys = [];
    private readonly TempCatalogs _files = new();
    private EtcdTestClient _client = null!;
    private FakeConsulServer _consul = null!;

    public MixedBackendConsoleTests(EtcdServerFixture fixture) => _etcd = fixture.Server;

    public async Task InitializeAsync()
    {
        _client = await EtcdTestClient.ConnectAsync(_etcd);
        _consul = await FakeConsulServer.StartAsync();
    }

    public async Task DisposeAsync()
    {
        foreach (var key in _keys)
        {
            await _client.DeleteAsync(key);
        }

        _client.Dispose();
        await _consul.DisposeAsync();
        _files.Dispose();
    }

    private async Task PutEtcdAsync(string service, string id, string host, int port)
    {
        var key = $"/mesh/services/{service}/{id}";
        _keys.Add(key);
        await _client.PutAsync(key, EtcdConsoleTests.Value(service, id, host, port));
    }

    [Fact]
    public async Task List_FileEtcdConsul_OrdersUnionedRegistriesInCommandLineOrder()
    {
        var file = _files.Write("a.json", TempCatalogs.A);
        await PutEtcdAsync("orders", "orders-e1", "10.11.0.1", 8080);
        await PutEtcdAsync("inventory", "inventory-e1", "10.11.0.2", 9090);
        ConsulConsoleTests.Put(_consul, "orders", "orders-c1", "10.12.0.1", 8080);
        ConsulConsoleTests.Put(_consul, "orders", "orders-c-dup", "10.0.0.1", 8080, "critical");

        var result = await CliRun.InProcessAsync("list", "--file", file, "--etcd", _etcd.ClientUrl, "--consul", _consul.Address.ToString(), "--output", "json");

        result.ExitCode.ShouldBe(0, result.ToString());
        var catalog = CatalogDocument.Parse(result.Stdout);
        catalog.ServiceNames.ShouldBe(["inventory", "orders", "payments"]);
        catalog.Instances("orders").Select(i => $"{i.Registry}/{i.Id}/{i.Host}:{i.Port}/{i.Health}").ShouldBe(
        [
            "file/orders-1/10.0.0.1:8080/healthy",
            "file/orders-2/10.0.0.2:8080/draining",
            "etcd/orders-e1/10.11.0.1:8080/healthy",
            "consul/orders-c1/10.12.0.1:8080/healthy",
        ], "Union of the three, by registry priority (command-line order) then id; consul's orders-c-dup shares 10.0.0.1:8080 with the file's orders-1, whose record is kept");
        catalog.Instances("inventory").ShouldHaveSingleItem().Registry.ShouldBe("etcd");
        catalog.Registries.Select(r => (r.Name, r.Kind, r.State)).ShouldBe(
        [
            ("file", "file", "ready"),
            ("etcd", "etcd", "ready"),
            ("consul", "consul", "ready"),
        ]);
        catalog.Registry("consul").Instances.ShouldBe(2, "the registry row counts what it read, before deduplication");
    }

    [Fact]
    public async Task List_ConsulFirstThenEtcd_RegistryOrderFollowsCommandLine()
    {
        await PutEtcdAsync("orders", "orders-e1", "10.13.0.1", 8080);
        ConsulConsoleTests.Put(_consul, "orders", "orders-c1", "10.13.0.2", 8080);

        var result = await CliRun.InProcessAsync("list", "--consul", _consul.Address.ToString(), "--etcd", _etcd.ClientUrl, "--output", "json");

        result.ExitCode.ShouldBe(0, result.ToString());
        var catalog = CatalogDocument.Parse(result.Stdout);
        catalog.Registries.Select(r => r.Name).ShouldBe(["consul", "etcd"]);
        catalog.Instances("orders").Select(i => i.Registry).ShouldBe(["consul", "etcd"]);
    }

    [Fact]
    public async Task List_DeadEtcdAndGoodFile_Exit3FileServicesPrintedEtcdFailed()
    {
        var file = _files.Write("a.json", TempCatalogs.A);
        var closed = ClosedPort();

        var result = await CliRun.InProcessAsync("list", "--file", file, "--etcd", $"http://127.0.0.1:{closed}", "--output", "json");

        result.ExitCode.ShouldBe(3, result.ToString());
        var catalog = CatalogDocument.Parse(result.Stdout);
        catalog.ServiceNames.ShouldBe(["orders", "payments"]);
        catalog.Services.Values.SelectMany(s => s).ShouldAllBe(i => i.Registry == "file" && !i.Stale);
        catalog.Registry("file").State.ShouldBe("ready");
        var etcd = catalog.Registry("etcd");
        etcd.Kind.ShouldBe("etcd");
        etcd.State.ShouldBe("failed");
        etcd.Error.ShouldNotBeNullOrWhiteSpace();
        result.Stderr.ShouldContain("registry 'etcd' (etcd) is failed");
    }

    private static int ClosedPort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}
