using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Registry.Adapters.Sync.Serve;
using Shouldly;

namespace Registry.Adapters.Sync.Tests.Serve;

/// <summary>A mesh (registries added in code) served by a real Kestrel on loopback, and an HTTP client for it.</summary>
internal sealed class ServedMesh : IAsyncDisposable
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    private readonly ServiceProvider _services;
    private readonly List<IHostedService> _hosted;

    private ServedMesh(ServiceProvider services, List<IHostedService> hosted, ServeHost host)
    {
        _services = services;
        _hosted = hosted;
        Host = host;
        Catalog = services.GetRequiredService<IMeshCatalog>();
        Http = new HttpClient { BaseAddress = host.Address, Timeout = Timeout };
    }

    public ServeHost Host { get; }

    public IMeshCatalog Catalog { get; }

    public HttpClient Http { get; }

    public WatchHub Hub => Host.Services.GetRequiredService<WatchHub>();

    public static async Task<ServedMesh> StartAsync(Action<IMeshRegistryBuilder> configure, ServeSettings? settings = null)
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddMetrics();
        services.AddMeshRegistry(mesh =>
        {
            configure(mesh);
        }).Services.Configure<MeshOptions>(o => o.ChangeQuietPeriod = TimeSpan.FromMilliseconds(20));
        var provider = services.BuildServiceProvider();
        var hosted = provider.GetServices<IHostedService>().ToList();
        foreach (var service in hosted)
        {
            await service.StartAsync(CancellationToken.None);
        }

        var host = await ServeHost.StartAsync(
            provider.GetRequiredService<IMeshCatalog>(),
            settings ?? new ServeSettings { Listen = ListenAddress.Parse("127.0.0.1:0") },
            logging: null,
            CancellationToken.None);
        return new ServedMesh(provider, hosted, host);
    }

    public async Task<JsonElement> GetJsonAsync(string path, string? token = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        using var response = await Http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        response.IsSuccessStatusCode.ShouldBeTrue($"{path}: {(int)response.StatusCode} {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    /// <summary>Waits until the catalog satisfies a condition (polling the catalog, bounded).</summary>
    public async Task WaitUntilAsync(Func<MeshSnapshot, bool> condition, string because)
    {
        using var timeout = new CancellationTokenSource(Timeout);
        while (!condition(Catalog.Current))
        {
            timeout.IsCancellationRequested.ShouldBeFalse($"timed out waiting for: {because}");
            await Task.Delay(20);
        }
    }

    /// <summary>Opens <c>/v1/watch</c>.</summary>
    public async Task<SseReader> WatchAsync(long? lastEventId = null, string? token = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, "/v1/watch");
        if (lastEventId is { } id)
        {
            request.Headers.Add("Last-Event-ID", id.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        var http = new HttpClient { BaseAddress = Host.Address, Timeout = System.Threading.Timeout.InfiniteTimeSpan };
        var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        return new SseReader(http, request, response);
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await Host.DisposeAsync();
        foreach (var service in Enumerable.Reverse(_hosted))
        {
            await service.StopAsync(CancellationToken.None);
        }

        await _services.DisposeAsync();
    }
}

/// <summary>One Server-Sent Event: its id (when it has one) and its data lines.</summary>
internal sealed record SseEvent(string? Id, IReadOnlyList<string> Data)
{
    public IReadOnlyList<JsonElement> Json => [.. Data.Select(static d => JsonDocument.Parse(d).RootElement.Clone())];

    public string Type => Json[0].GetProperty("type").GetString()!;
}

/// <summary>Reads a <c>text/event-stream</c> response event by event.</summary>
internal sealed class SseReader(HttpClient http, HttpRequestMessage request, HttpResponseMessage response) : IAsyncDisposable
{
    private StreamReader? _reader;

    public HttpResponseMessage Response => response;

    public async Task<SseEvent> NextAsync()
    {
        using var timeout = new CancellationTokenSource(ServedMesh.Timeout);
        _reader ??= new StreamReader(await response.Content.ReadAsStreamAsync(timeout.Token), Encoding.UTF8);
        string? id = null;
        var data = new List<string>();
        while (true)
        {
            var line = await _reader.ReadLineAsync(timeout.Token) ?? throw new EndOfStreamException("the event stream ended");
            if (line.Length == 0)
            {
                if (data.Count > 0)
                {
                    return new SseEvent(id, data);
                }

                id = null;
                continue;
            }

            if (line.StartsWith("id: ", StringComparison.Ordinal))
            {
                id = line[4..];
            }
            else if (line.StartsWith("data: ", StringComparison.Ordinal))
            {
                data.Add(line[6..]);
            }
        }
    }

    /// <summary>The next event that is not a <c>registries</c> status event.</summary>
    public async Task<SseEvent> NextChangeAsync()
    {
        while (true)
        {
            var next = await NextAsync();
            if (next.Type != "registries")
            {
                return next;
            }
        }
    }

    public ValueTask DisposeAsync()
    {
        _reader?.Dispose();
        response.Dispose();
        request.Dispose();
        http.Dispose();
        return ValueTask.CompletedTask;
    }
}
