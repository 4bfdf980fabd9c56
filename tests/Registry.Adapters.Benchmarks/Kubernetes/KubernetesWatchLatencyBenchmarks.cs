using System.Net.Http.Headers;
using BenchmarkDotNet.Attributes;
using Registry.Adapters.Kubernetes;
using Registry.Adapters.Kubernetes.Tests;

namespace Registry.Adapters.Benchmarks.Kubernetes;

/// <summary>
/// From an EndpointSlice write on the fake API server to (a) the watch line arriving at a raw HTTP watch
/// (<see cref="RawWatch"/>), and (b) the merged catalog holding the change: KubernetesClient's watch, the
/// registry's mapping and merge, and <see cref="MeshCatalog.Apply"/> (<see cref="RegistryToCatalog"/>).
/// Both watchers run side by side on the same fake during both benchmarks, so each sees the same load.
/// The catalog's coalescing quiet period is off: this measures the pipeline, not the debounce.
/// </summary>
public class KubernetesWatchLatencyBenchmarks
{
    private const string Namespace = "bench";
    private FakeKubeApiServer _server = null!;
    private string _kubeconfig = null!;
    private HttpClient _http = null!;
    private IServiceRegistry _registry = null!;
    private MeshCatalog _catalog = null!;
    private CancellationTokenSource _stop = null!;
    private Task _rawPump = null!;
    private Task _registryPump = null!;
    private volatile Waiter? _raw;
    private volatile Waiter? _mesh;
    private int _port;
    private readonly Queue<string> _lastEvents = new();
    private Exception? _pumpError;

    public static IEnumerable<int> EndpointCounts => BenchmarkSettings.Sizes(10, 100, 1000);

    /// <summary>Endpoints of the changed service (in slices of 100).</summary>
    [ParamsSource(nameof(EndpointCounts))]
    public int Endpoints { get; set; }

    [GlobalSetup]
    public void Setup() => SetupAsync().GetAwaiter().GetResult();

    [GlobalCleanup]
    public void Cleanup() => CleanupAsync().GetAwaiter().GetResult();

    /// <summary>Write a slice; wait for its line on a raw watch stream.</summary>
    [Benchmark(Baseline = true)]
    public Task RawWatch() => WriteAndWaitAsync(useRaw: true);

    /// <summary>Write a slice; wait until the merged catalog resolves the new port.</summary>
    [Benchmark]
    public Task RegistryToCatalog() => WriteAndWaitAsync(useRaw: false);

    private async Task WriteAndWaitAsync(bool useRaw)
    {
        // Cycle through 20000-59999: every write changes the port, and it stays a valid port over millions of writes.
        var port = 20000 + (Interlocked.Increment(ref _port) % 40000);
        var waiter = new Waiter(port);
        if (useRaw)
        {
            _raw = waiter;
        }
        else
        {
            _mesh = waiter;
        }

        _server.PutSlice(K8sObjects.Slice(Namespace, "orders", "orders-0", Pods(0), ("http", port, "http")));
        try
        {
            await waiter.Done.Task.WaitAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            var seen = _catalog.Resolve("orders.bench") is { Length: > 0 } now && now[0].Instance.Ports.Count > 0 ? now[0].Instance.Ports[0].Port : -1;
            throw new InvalidOperationException(
                $"No {(useRaw ? "raw line" : "catalog change")} for port {port} in 10 s; catalog has port {seen}; " +
                $"last registry events: {string.Join(" | ", _lastEvents)}; pump: {_pumpError?.GetType().Name}: {_pumpError?.Message}; " +
                $"open watches {_server.OpenWatches}");
        }
    }

    private async Task SetupAsync()
    {
        _server = await FakeKubeApiServer.StartAsync().ConfigureAwait(false);
        _server.HistoryLimit = 1000;
        for (var s = 0; s < Math.Max(1, Endpoints / 100); s++)
        {
            _server.PutSlice(K8sObjects.Slice(Namespace, "orders", $"orders-{s}", Pods(s), ("http", 8080, "http")));
        }

        _kubeconfig = FakeKubeconfig.Write(_server.Url);
        _stop = new CancellationTokenSource();

        _http = new HttpClient { BaseAddress = _server.Url, Timeout = Timeout.InfiniteTimeSpan };
        _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", FakeKubeconfig.Token);
        var from = _server.Revision;
        var response = await _http.GetAsync(
            $"apis/discovery.k8s.io/v1/namespaces/{Namespace}/endpointslices?watch=true&resourceVersion={from}",
            HttpCompletionOption.ResponseHeadersRead).ConfigureAwait(false);
        response.EnsureSuccessStatusCode();
        var stream = await response.Content.ReadAsStreamAsync().ConfigureAwait(false);
        _rawPump = Task.Run(() => PumpRawAsync(new StreamReader(stream)));

        _catalog = new MeshCatalog(new MeshOptions { ChangeQuietPeriod = TimeSpan.Zero, ChangeMaxDelay = TimeSpan.Zero });
        _catalog.AddRegistry("kubernetes", "kubernetes", 0);
        var options = new KubernetesRegistryOptions { KubeconfigPath = _kubeconfig };
        options.Namespaces.Add(Namespace);
        _registry = new KubernetesServiceRegistry("kubernetes", options);
        _registryPump = Task.Run(PumpRegistryAsync);
        if (!await _catalog.WaitForInitialSyncAsync().ConfigureAwait(false))
        {
            throw new InvalidOperationException("The Kubernetes registry did not sync with the fake.");
        }
    }

    private async Task PumpRawAsync(StreamReader reader)
    {
        while (await reader.ReadLineAsync(_stop.Token).ConfigureAwait(false) is { } line)
        {
            if (_raw is { } waiter && line.Contains(waiter.Marker, StringComparison.Ordinal))
            {
                waiter.Done.TrySetResult();
            }
        }
    }

    private async Task PumpRegistryAsync()
    {
        try
        {
            await foreach (var item in _registry.WatchAsync(_stop.Token).ConfigureAwait(false))
            {
                if (item is not ServiceChangedEvent)
                {
                    lock (_lastEvents)
                    {
                        _lastEvents.Enqueue(item.ToString()[..Math.Min(200, item.ToString().Length)]);
                        if (_lastEvents.Count > 5)
                        {
                            _lastEvents.Dequeue();
                        }
                    }
                }

                _catalog.Apply("kubernetes", item);
                if (_mesh is { } waiter && _catalog.Resolve("orders.bench") is { Length: > 0 } now && now[0].Instance.Ports.Count > 0 && now[0].Instance.Ports[0].Port == waiter.Port)
                {
                    waiter.Done.TrySetResult();
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
        catch (Exception ex)
        {
            _pumpError = ex;
        }
    }

    private async Task CleanupAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        await _registry.DisposeAsync().ConfigureAwait(false);
        await Task.WhenAny(Task.WhenAll(_rawPump, _registryPump), Task.Delay(5000)).ConfigureAwait(false);
        _catalog.Dispose();
        _http.Dispose();
        await _server.DisposeAsync().ConfigureAwait(false);
        FakeKubeconfig.Delete(_kubeconfig);
    }

    private Ep[] Pods(int slice) =>
        [.. Enumerable.Range(0, Math.Min(100, Endpoints)).Select(i => new Ep($"10.1.{slice}.{i + 1}", $"orders-{slice}-{i}"))];

    private sealed class Waiter(int port)
    {
        public int Port { get; } = port;

        public string Marker { get; } = $"\"port\":{port}";

        public TaskCompletionSource Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
