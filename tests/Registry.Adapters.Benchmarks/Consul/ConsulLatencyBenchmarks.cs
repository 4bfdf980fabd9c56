using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.Logging.Abstractions;
using Registry.Adapters.Consul;
using Registry.Adapters.Consul.Tests.Fake;

namespace Registry.Adapters.Benchmarks.Consul;

/// <summary>
/// Register-to-change latency on the Consul fake, side by side: a raw blocking-query loop on
/// <c>/v1/health/service/:name</c> (HttpClient + JsonDocument, nothing else), the registry's
/// <see cref="ServiceChangedEvent"/>, and the merged <see cref="MeshCatalog"/> (Resolve sees the instance).
/// One operation = register an instance, wait until all three see it, deregister, wait until all three lose it.
/// p50/p99 of the register path are printed per case (BenchmarkDotNet's own figures cover the whole round trip).
/// </summary>
[WarmupCount(3)]
[IterationCount(15)]
public class ConsulLatencyBenchmarks
{
    private const string Target = "bench-target";
    private readonly List<double> _raw = [];
    private readonly List<double> _event = [];
    private readonly List<double> _catalog = [];
    private FakeConsulServer _fake = null!;
    private ConsulServiceRegistry _registry = null!;
    private MeshCatalog _mesh = null!;
    private HttpClient _http = null!;
    private CancellationTokenSource _stop = null!;
    private Task _rawLoop = null!;
    private Task _pump = null!;
    private Probe _probe = new(string.Empty, true);
    private int _next;

    /// <summary>Other services being watched at the same time.</summary>
    [ParamsSource(nameof(ServiceCounts))]
    public int Services { get; set; }

    public static IEnumerable<int> ServiceCounts => BenchmarkSettings.Sizes(2, 10, 100);

    [GlobalSetup]
    public void Setup() => SetupAsync().GetAwaiter().GetResult();

    [GlobalCleanup]
    public void Cleanup()
    {
        Console.WriteLine($"// consul latency, {Services} services, {_raw.Count} samples (register → seen), ms:");
        Console.WriteLine($"//   raw blocking query   p50 {P(_raw, 0.50)}  p99 {P(_raw, 0.99)}");
        Console.WriteLine($"//   ServiceChangedEvent  p50 {P(_event, 0.50)}  p99 {P(_event, 0.99)}");
        Console.WriteLine($"//   merged catalog       p50 {P(_catalog, 0.50)}  p99 {P(_catalog, 0.99)}");
        _stop.Cancel();
        try
        {
            Task.WhenAll(_rawLoop, _pump).Wait(TimeSpan.FromSeconds(10));
        }
        catch (AggregateException)
        {
        }

        _registry.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _mesh.Dispose();
        _http.Dispose();
        _fake.DisposeAsync().AsTask().GetAwaiter().GetResult();
    }

    [Benchmark]
    public async Task RegisterToMergedCatalog()
    {
        var id = "i-" + (++_next).ToString(CultureInfo.InvariantCulture);
        var probe = new Probe(id, Present: true);
        Volatile.Write(ref _probe, probe);
        var start = Stopwatch.GetTimestamp();
        _fake.PutService("bench-node", "10.200.0.1", new FakeServiceSpec(id, Target) { Address = "10.200.1.1", Port = 9000 + (_next % 1000) });
        await Task.WhenAll(probe.Raw.Task, probe.Event.Task, probe.Catalog.Task).ConfigureAwait(false);
        _raw.Add(Ms(start, probe.Raw.Task.Result));
        _event.Add(Ms(start, probe.Event.Task.Result));
        _catalog.Add(Ms(start, probe.Catalog.Task.Result));

        var gone = new Probe(id, Present: false);
        Volatile.Write(ref _probe, gone);
        _fake.RemoveService("bench-node", id);
        await Task.WhenAll(gone.Raw.Task, gone.Event.Task, gone.Catalog.Task).ConfigureAwait(false);
    }

    private async Task SetupAsync()
    {
        _fake = await FakeConsulServer.StartAsync();
        for (var i = 0; i < Services; i++)
        {
            _fake.PutService($"node-{i}", $"10.100.{i / 250}.{(i % 250) + 1}", new FakeServiceSpec($"svc-{i}-1", $"svc-{i}") { Port = 8080 });
        }

        _fake.PutService("bench-node", "10.200.0.1", new FakeServiceSpec("anchor", Target) { Address = "10.200.0.1", Port = 8999 });
        var settings = ConsulSettings.Create(new ConsulRegistryOptions
        {
            Address = _fake.Address.ToString(),
            UseEnvironment = false,
            MinQueryInterval = TimeSpan.Zero,
        }, "Consul");
        _registry = new ConsulServiceRegistry("consul", settings, NullLoggerFactory.Instance, TimeProvider.System);
        _mesh = new MeshCatalog(new MeshOptions());
        _mesh.AddRegistry("consul", "consul", 0);
        _http = new HttpClient { BaseAddress = _fake.Address, Timeout = Timeout.InfiniteTimeSpan };
        _stop = new CancellationTokenSource();
        var ready = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _pump = Task.Run(() => PumpAsync(ready, _stop.Token));
        _rawLoop = Task.Run(() => RawLoopAsync(_stop.Token));
        await ready.Task.WaitAsync(TimeSpan.FromSeconds(30)).ConfigureAwait(false);
    }

    private async Task PumpAsync(TaskCompletionSource ready, CancellationToken cancellationToken)
    {
        try
        {
            await foreach (var item in _registry.WatchAsync(cancellationToken).ConfigureAwait(false))
            {
                var probe = Volatile.Read(ref _probe);
                if (item is ServiceChangedEvent change && change.Service == Target && change.Instances.Any(i => i.Id == probe.Id) == probe.Present)
                {
                    probe.Event.TrySetResult(Stopwatch.GetTimestamp());
                }

                _mesh.Apply("consul", item);
                if (item is RegistrySnapshotEvent)
                {
                    ready.TrySetResult();
                }

                if (probe.Id.Length > 0 && _mesh.Resolve(Target).Any(i => i.Instance.Id == probe.Id) == probe.Present)
                {
                    probe.Catalog.TrySetResult(Stopwatch.GetTimestamp());
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>What a hand-written client does: block on the index, parse, look for the id.</summary>
    private async Task RawLoopAsync(CancellationToken cancellationToken)
    {
        var index = 0UL;
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                var url = index == 0 ? $"/v1/health/service/{Target}" : $"/v1/health/service/{Target}?index={index}&wait=300000ms";
                using var response = await _http.GetAsync(url, cancellationToken).ConfigureAwait(false);
                var body = await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
                var next = ulong.Parse(response.Headers.GetValues("X-Consul-Index").First(), CultureInfo.InvariantCulture);
                if (next == index)
                {
                    continue;
                }

                index = next;
                var probe = Volatile.Read(ref _probe);
                using var document = JsonDocument.Parse(body);
                var present = document.RootElement.EnumerateArray().Any(e => e.GetProperty("Service").GetProperty("ID").GetString() == probe.Id);
                if (probe.Id.Length > 0 && present == probe.Present)
                {
                    probe.Raw.TrySetResult(Stopwatch.GetTimestamp());
                }
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private static double Ms(long start, long end) => Stopwatch.GetElapsedTime(start, end).TotalMilliseconds;

    private static string P(List<double> samples, double quantile)
    {
        if (samples.Count == 0)
        {
            return "n/a";
        }

        var sorted = samples.Order().ToArray();
        var rank = (int)Math.Ceiling(quantile * sorted.Length) - 1;
        return sorted[Math.Clamp(rank, 0, sorted.Length - 1)].ToString("0.000", CultureInfo.InvariantCulture);
    }

    private sealed record Probe(string Id, bool Present)
    {
        public TaskCompletionSource<long> Raw { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource<long> Event { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource<long> Catalog { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
