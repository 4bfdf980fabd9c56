using BenchmarkDotNet.Attributes;
using Registry.Adapters.Eureka;
using Registry.Adapters.Eureka.Tests;

namespace Registry.Adapters.Benchmarks.Eureka;

/// <summary>
/// A registration on the fake Eureka server until the merged <see cref="MeshCatalog"/> resolves it, with the registry's
/// watch pumped into the catalog as the hosted service does. Polling bounds it by one fetch interval plus processing:
/// goal, the Max column within <see cref="FetchIntervalMs"/> + 10 ms.
/// </summary>
[MemoryDiagnoser]
[MinColumn]
[MaxColumn]
// Job mutators, not a job of its own: under --smoke the in-process Dry job gets them too.
[WarmupCount(2)]
[IterationCount(30)]
[InvocationCount(1, 1)]
public class EurekaChangeLatencyBenchmarks
{
    private readonly CancellationTokenSource _stop = new();
    private FakeEurekaServer _server = null!;
    private EurekaServiceRegistry _registry = null!;
    private MeshCatalog _catalog = null!;
    private Task _pump = Task.CompletedTask;
    private int _next;

    public static IEnumerable<int> Intervals => BenchmarkSettings.Sizes(50, 100);

    [ParamsSource(nameof(Intervals))]
    public int FetchIntervalMs { get; set; }

    [GlobalSetup]
    public async Task SetupAsync()
    {
        _server = await FakeEurekaServer.StartAsync();
        _server.Register("ORDERS", FakeEurekaServer.InstanceJson("ORDERS", "o-base", "10.1.0.1", 8080));
        var options = new EurekaRegistryOptions { FetchInterval = TimeSpan.FromMilliseconds(FetchIntervalMs) };
        options.ServiceUrls.Add(_server.BaseUrl);
        _registry = new EurekaServiceRegistry("eureka", options);
        _catalog = new MeshCatalog(new MeshOptions());
        _catalog.AddRegistry("eureka", "eureka", 0);
        _pump = Task.Run(async () =>
        {
            await foreach (var item in _registry.WatchAsync(_stop.Token))
            {
                _catalog.Apply("eureka", item);
            }
        });
        await WaitForAsync(() => _catalog.Resolve("orders").Length == 1);
    }

    [GlobalCleanup]
    public async Task CleanupAsync()
    {
        await _stop.CancelAsync();
        await _registry.DisposeAsync();
        await _pump.ContinueWith(static _ => { }, TaskScheduler.Default);
        _catalog.Dispose();
        await _server.DisposeAsync();
    }

    [Benchmark]
    public async Task RegisterToCatalog()
    {
        // Alternately add and remove one instance, so every invocation is one visible change.
        var n = Interlocked.Increment(ref _next);
        if (n % 2 == 1)
        {
            _server.Register("ORDERS", FakeEurekaServer.InstanceJson("ORDERS", "o-extra", "10.1.0.2", 8080));
            await WaitForAsync(() => _catalog.Resolve("orders").Length == 2);
        }
        else
        {
            _server.Cancel("ORDERS", "o-extra");
            await WaitForAsync(() => _catalog.Resolve("orders").Length == 1);
        }
    }

    private async Task WaitForAsync(Func<bool> condition)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (!condition())
        {
            var changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            using (_catalog.GetChangeToken().RegisterChangeCallback(static s => ((TaskCompletionSource)s!).TrySetResult(), changed))
            {
                if (condition())
                {
                    return;
                }

                await changed.Task.WaitAsync(timeout.Token);
            }
        }
    }
}
