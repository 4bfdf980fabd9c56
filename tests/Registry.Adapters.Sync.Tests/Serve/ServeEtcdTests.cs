using System.Text.Json;
using Registry.Adapters.Etcd.Tests;
using Registry.Adapters.Sync.Tests.Backends;
using Shouldly;
using Xunit;

namespace Registry.Adapters.Sync.Tests.Serve;

/// <summary><c>mesh-sync serve --etcd</c> against a real etcd: the API and the watch stream.</summary>
public sealed class ServeEtcdTests : IClassFixture<EtcdServerFixture>, IAsyncLifetime
{
    private readonly EtcdServer _etcd;
    private readonly List<string> _keys = [];
    private readonly string _prefix = $"/serve-{Guid.NewGuid():n}/";
    private EtcdTestClient _client = null!;

    public ServeEtcdTests(EtcdServerFixture fixture) => _etcd = fixture.Server;

    public async Task InitializeAsync() => _client = await EtcdTestClient.ConnectAsync(_etcd);

    public async Task DisposeAsync()
    {
        foreach (var key in _keys)
        {
            await _client.DeleteAsync(key);
        }

        _client.Dispose();
    }

    private async Task PutAsync(string service, string id, string host, string? health = null)
    {
        var key = $"{_prefix}{service}/{id}";
        _keys.Add(key);
        await _client.PutAsync(key, EtcdConsoleTests.Value(service, id, host, 8080, health));
    }

    private async Task<ServeRun> StartAsync()
    {
        var config = Path.Combine(Path.GetTempPath(), $"serve-etcd-{Guid.NewGuid():n}.json");
        await File.WriteAllTextAsync(config, JsonSerializer.Serialize(new
        {
            Mesh = new { Registries = new[] { new { Name = "etcd", Kind = "etcd", Endpoints = new[] { _etcd.ClientUrl }, Prefix = _prefix } } },
        }));
        try
        {
            return await ServeRun.StartAsync("--config", config, "--listen", "127.0.0.1:0");
        }
        finally
        {
            File.Delete(config);
        }
    }

    private static async Task<JsonElement> GetJsonAsync(ServeRun serve, string path) =>
        JsonDocument.Parse(await serve.Http.GetStringAsync(path)).RootElement.Clone();

    [Fact]
    public async Task Serve_Etcd_CatalogServiceRegistriesAndReady()
    {
        await PutAsync("orders", "orders-1", "10.1.0.1");
        await PutAsync("orders", "orders-2", "10.1.0.2", "unhealthy");
        await using var serve = await StartAsync();
        await WaitReadyAsync(serve);

        var catalog = await GetJsonAsync(serve, "/v1/catalog");
        catalog.GetProperty("services")[0].GetProperty("instances").EnumerateArray().Select(i => i.GetProperty("id").GetString()).ShouldBe(["orders-1", "orders-2"]);
        var service = await GetJsonAsync(serve, "/v1/services/orders");
        service.GetProperty("instances")[1].GetProperty("health").GetString().ShouldBe("unhealthy");
        service.GetProperty("instances")[0].GetProperty("registry").GetString().ShouldBe("etcd");
        var registries = await GetJsonAsync(serve, "/v1/registries");
        registries.GetProperty("registries")[0].GetProperty("kind").GetString().ShouldBe("etcd");
        registries.GetProperty("registries")[0].GetProperty("instances").GetInt32().ShouldBe(2);
    }

    [Fact]
    public async Task Watch_EtcdPut_StreamsTheAddedService()
    {
        await PutAsync("orders", "orders-1", "10.1.0.1");
        await using var serve = await StartAsync();
        await WaitReadyAsync(serve);
        using var http = new HttpClient { BaseAddress = serve.Address, Timeout = Timeout.InfiniteTimeSpan };
        using var request = new HttpRequestMessage(HttpMethod.Get, "/v1/watch");
        var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        await using var watch = new SseReader(http, request, response);
        var snapshot = await watch.NextAsync();
        snapshot.Type.ShouldBe("snapshot");

        await PutAsync("billing", "billing-1", "10.1.0.9");
        var change = await watch.NextChangeAsync();

        change.Type.ShouldBe("added");
        change.Json[0].GetProperty("service").GetProperty("instances")[0].GetProperty("host").GetString().ShouldBe("10.1.0.9");
    }

    private static async Task WaitReadyAsync(ServeRun serve)
    {
        using var timeout = new CancellationTokenSource(ServedMesh.Timeout);
        while ((await serve.Http.GetAsync("/readyz", timeout.Token)).StatusCode != System.Net.HttpStatusCode.OK)
        {
            await Task.Delay(20, timeout.Token);
        }
    }
}
