using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using BenchmarkDotNet.Attributes;
using Registry.Adapters.Benchmarks.Etcd;
using Registry.Adapters.Etcd;
using Registry.Adapters.Etcd.Tests;
using Registry.Adapters.Kubernetes;
using Registry.Adapters.Kubernetes.Tests;
using Registry.Adapters.Sync;

namespace Registry.Adapters.Benchmarks.Kubernetes;

/// <summary>
/// Source change → ServiceEntry, side by side with source change → catalog and one API round trip, in one run. The source
/// is a real etcd (as in the etcd and sync propagation measurements): <c>EtcdServiceRegistry</c> pumped into a
/// <see cref="MeshCatalog"/> (quiet period 0), and a running <see cref="MeshSyncEngine"/> mirrors it to the <c>istio</c>
/// target of a kubernetes registry (<see cref="ISyncTargetProvider.GetTarget"/>, the path of <c>--to istio</c>) on the
/// loopback <see cref="FakeKubeApiServer"/>, with <see cref="SyncOptions.MaxWritesPerSecond"/> set to 1,000,000 so the
/// write limit never paces a change. Each change puts a new port on the one instance of <c>orders</c> and is observed
/// (a) in a <see cref="MeshCatalog.WatchAsync"/> batch and (b) when the fake's store commits the ServiceEntry carrying
/// that port (<see cref="FakeKubeApiServer.Changed"/>, raised before the apply is answered: no polling, no sleeps).
/// The baseline is one raw <c>GET</c> of that ServiceEntry on the fake. <see cref="SetupPropagationAsync"/> measures
/// 1,000 changes (10 under <c>--smoke</c>), each after one raw GET, and prints p50/p90/p99 of all three and the goal
/// (b ≤ a + one round trip + 5 ms at p50 and p99); the benchmark methods then give BenchmarkDotNet's closed-loop figures.
/// </summary>
public class IstioPropagationBenchmarks
{
    private const string Namespace = "mesh";
    private const string Watched = "orders";
    private const string Prefix = "/bench/istio/";
    private const int PortBase = 20_000;
    private const int Background = 50;

    private readonly List<Task> _loops = [];
    private CancellationTokenSource _stop = null!;
    private EtcdServer _etcd = null!;
    private EtcdTestClient _writer = null!;
    private EtcdRecordCodec _codec = null!;
    private IServiceRegistry _source = null!;
    private MeshCatalog _catalog = null!;
    private FakeKubeApiServer _server = null!;
    private string _kubeconfig = null!;
    private IServiceRegistry _cluster = null!;
    private MeshSyncEngine _engine = null!;
    private HttpClient _http = null!;
    private volatile Probe? _probe;
    private int _next;

    /// <summary>The figures of the measured run (also printed).</summary>
    public static IstioPropagationReport? LastReport { get; private set; }

    [GlobalSetup(Target = nameof(RawGet))]
    public Task SetupRawGetAsync() => StartAsync();

    [GlobalSetup(Target = nameof(SourceChangeToServiceEntry))]
    public async Task SetupPropagationAsync()
    {
        await StartAsync();
        var changes = BenchmarkSettings.Smoke ? 10 : 1000;
        List<double> catalog = [], entry = [], roundTrip = [];
        for (var i = 0; i < changes; i++)
        {
            roundTrip.Add(Stopwatch.GetElapsedTime(0, await RoundTripAsync()).TotalMilliseconds);
            var (atCatalog, atEntry) = await ChangeAsync();
            catalog.Add(Stopwatch.GetElapsedTime(0, atCatalog).TotalMilliseconds);
            entry.Add(Stopwatch.GetElapsedTime(0, atEntry).TotalMilliseconds);
        }

        LastReport = new IstioPropagationReport(
            changes,
            LatencyFigures.From("raw GET of the ServiceEntry on the fake (one API round trip)", roundTrip),
            LatencyFigures.From("(a) etcd put -> MeshCatalog.WatchAsync batch", catalog),
            LatencyFigures.From("(b) etcd put -> ServiceEntry applied on the fake", entry));
        LastReport.Print(Console.Out);
    }

    [GlobalCleanup]
    public async Task CleanupAsync()
    {
        await _stop.CancelAsync();
        await Task.WhenAll(_loops).ContinueWith(static _ => { }, TaskScheduler.Default);
        _loops.Clear();
        _engine.Dispose();
        await _cluster.DisposeAsync();
        await _source.DisposeAsync();
        _catalog.Dispose();
        _writer.Dispose();
        _http.Dispose();
        await _server.DisposeAsync();
        FakeKubeconfig.Delete(_kubeconfig);
        await _etcd.DisposeAsync();
        _stop.Dispose();
    }

    /// <summary>One raw GET of the ServiceEntry on the fake API server.</summary>
    [Benchmark(Baseline = true)]
    public Task<long> RawGet() => RoundTripAsync();

    /// <summary>One source change, until the catalog and the fake's ServiceEntry both hold it.</summary>
    [Benchmark]
    public Task<(long Catalog, long Entry)> SourceChangeToServiceEntry() => ChangeAsync();

    private async Task StartAsync()
    {
        _stop = new CancellationTokenSource();
        _next = 0;
        _etcd = await EtcdServer.StartAsync();
        var sourceOptions = _etcd.ClientOptions(Prefix);
        _codec = new EtcdRecordCodec(sourceOptions);
        _writer = await EtcdTestClient.ConnectAsync(_etcd);
        for (var s = 0; s < Background; s++)
        {
            for (var i = 0; i < 2; i++)
            {
                await PutAsync(Instance(string.Create(CultureInfo.InvariantCulture, $"svc-{s:00}"), $"i{i}", 8080));
            }
        }

        await PutAsync(Instance(Watched, "o1", PortBase - 1));

        _source = EtcdRegistryFactory.CreateRegistry("etcd", sourceOptions);
        _catalog = new MeshCatalog(new MeshOptions { ChangeQuietPeriod = TimeSpan.Zero, ChangeMaxDelay = TimeSpan.Zero });
        _catalog.AddRegistry("etcd", "etcd", 0);
        _loops.Add(Task.Run(PumpAsync));
        var subscribed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _loops.Add(Task.Run(() => ObserveCatalogAsync(subscribed)));
        await subscribed.Task.WaitAsync(TimeSpan.FromSeconds(30));
        if (!await _catalog.WaitForInitialSyncAsync().WaitAsync(TimeSpan.FromSeconds(60)))
        {
            throw new InvalidOperationException("The etcd source did not sync.");
        }

        _server = await FakeKubeApiServer.StartAsync();
        _server.HistoryLimit = 1000;
        _server.Changed += OnStored;
        _kubeconfig = FakeKubeconfig.Write(_server.Url);
        _http = new HttpClient { BaseAddress = _server.Url, Timeout = Timeout.InfiniteTimeSpan };
        _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", FakeKubeconfig.Token);

        // The istio target exactly as `--to istio` gets it: from the kubernetes registry's ISyncTargetProvider.
        _cluster = new KubernetesServiceRegistry("cluster", new KubernetesRegistryOptions { KubeconfigPath = _kubeconfig, TargetNamespace = Namespace });
        var target = ((ISyncTargetProvider)_cluster).GetTarget("istio", "istio")
            ?? throw new InvalidOperationException("The kubernetes registry offers no istio target.");
        var options = new SyncOptions { MaxWritesPerSecond = 1_000_000 };
        options.To.Add("istio");
        _engine = new MeshSyncEngine(_catalog, [target], options);

        var firstPass = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _engine.PassCompleted = _ => firstPass.TrySetResult();
        _loops.Add(Task.Run(() => _engine.RunAsync(_stop.Token)));
        await firstPass.Task.WaitAsync(TimeSpan.FromSeconds(60));
        _engine.PassCompleted = null;
        if (_server.Objects("serviceentries").Count != Background + 1)
        {
            throw new InvalidOperationException($"The first pass applied {_server.Objects("serviceentries").Count} ServiceEntries, not {Background + 1}.");
        }
    }

    private async Task<(long Catalog, long Entry)> ChangeAsync()
    {
        // Ports 20000-59999 in turn: every change is a real change, and stays a valid port over any number of changes.
        var port = PortBase + (_next++ % 40_000);
        var probe = new Probe(port);
        _probe = probe;
        var sent = Stopwatch.GetTimestamp();
        await PutAsync(Instance(Watched, "o1", port));
        try
        {
            var atCatalog = await probe.Catalog.Task.WaitAsync(TimeSpan.FromSeconds(30));
            var atEntry = await probe.Entry.Task.WaitAsync(TimeSpan.FromSeconds(30));
            return (atCatalog - sent, atEntry - sent);
        }
        catch (TimeoutException)
        {
            throw new InvalidOperationException(
                $"Port {port}: catalog {(probe.Catalog.Task.IsCompleted ? "seen" : "not seen")}, ServiceEntry {(probe.Entry.Task.IsCompleted ? "seen" : "not seen")} in 30 s; " +
                $"the fake holds {_server.GetObject("serviceentries", Namespace, Watched)?["spec"]?["ports"]?.ToJsonString()}");
        }
    }

    private async Task<long> RoundTripAsync()
    {
        var started = Stopwatch.GetTimestamp();
        using var response = await _http.GetAsync(new Uri($"apis/networking.istio.io/v1/namespaces/{Namespace}/serviceentries/{Watched}", UriKind.Relative));
        response.EnsureSuccessStatusCode();
        await response.Content.ReadAsByteArrayAsync();
        return Stopwatch.GetTimestamp() - started;
    }

    private void OnStored(string resource, string key, JsonObject? item)
    {
        if (_probe is { } probe && resource == "serviceentries" && key == $"{Namespace}/{Watched}" &&
            item?["spec"]?["ports"] is JsonArray { Count: 1 } ports && ports[0]?["number"]?.ToJsonString() == probe.Marker)
        {
            probe.Entry.TrySetResult(Stopwatch.GetTimestamp());
        }
    }

    private async Task PumpAsync()
    {
        try
        {
            await foreach (var item in _source.WatchAsync(_stop.Token))
            {
                _catalog.Apply("etcd", item);
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private async Task ObserveCatalogAsync(TaskCompletionSource subscribed)
    {
        var batches = _catalog.WatchAsync(_stop.Token).GetAsyncEnumerator(_stop.Token);
        await using (batches.ConfigureAwait(false))
        {
            var next = batches.MoveNextAsync();
            subscribed.TrySetResult();
            try
            {
                while (await next)
                {
                    var now = Stopwatch.GetTimestamp();
                    if (_probe is { } probe)
                    {
                        foreach (var change in batches.Current.Changes)
                        {
                            if (change.Service.Name == Watched && change.Service.Instances.Any(i => i.Instance.Ports[0].Port == probe.Port))
                            {
                                probe.Catalog.TrySetResult(now);
                            }
                        }
                    }

                    next = batches.MoveNextAsync();
                }
            }
            catch (OperationCanceledException)
            {
            }
        }
    }

    private Task PutAsync(ServiceInstance instance) =>
        _writer.PutAsync(System.Text.Encoding.UTF8.GetString(_codec.EncodeKey(instance)), _codec.EncodeValue(instance));

    private static ServiceInstance Instance(string service, string id, int port) => new()
    {
        Service = service,
        Id = id,
        Host = "10.0.0.1",
        Ports = [new ServicePort("http", port, "http")],
    };

    private sealed class Probe(int port)
    {
        public int Port { get; } = port;

        public string Marker { get; } = port.ToString(CultureInfo.InvariantCulture);

        public TaskCompletionSource<long> Catalog { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource<long> Entry { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}

/// <summary>p50/p90/p99 of one API round trip, source → catalog and source → ServiceEntry, from one run.</summary>
public sealed record IstioPropagationReport(int Changes, LatencyFigures RoundTrip, LatencyFigures Catalog, LatencyFigures ServiceEntry)
{
    /// <summary>The goal of issue 13: (b) ≤ (a) + one API round trip + 5 ms, at p50 and at p99.</summary>
    public bool MeetsGoal => ServiceEntry.P50 <= Limit(RoundTrip.P50, Catalog.P50) && ServiceEntry.P99 <= Limit(RoundTrip.P99, Catalog.P99);

    private static double Limit(double roundTrip, double catalog) => catalog + roundTrip + 5;

    public void Print(TextWriter output)
    {
        output.WriteLine($"istio propagation, {Changes} changes, closed loop, MaxWritesPerSecond 1,000,000 (ms)");
        output.WriteLine("| Path | Samples | p50 | p90 | p99 | max |");
        output.WriteLine("|---|---:|---:|---:|---:|---:|");
        foreach (var f in new[] { RoundTrip, Catalog, ServiceEntry })
        {
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {f.Path} | {f.Samples} | {f.P50:0.000} | {f.P90:0.000} | {f.P99:0.000} | {f.Max:0.000} |"));
        }

        output.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"goal ((b) <= (a) + round trip + 5 ms at p50 and p99): {(MeetsGoal ? "met" : "NOT met")}; p50 limit {Limit(RoundTrip.P50, Catalog.P50):0.000} ms, p99 limit {Limit(RoundTrip.P99, Catalog.P99):0.000} ms"));
    }
}
