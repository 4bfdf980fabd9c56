using System.Diagnostics;
using BenchmarkDotNet.Attributes;
using Registry.Adapters.Benchmarks.Etcd;

namespace Registry.Adapters.Benchmarks.Serve;

/// <summary>
/// One catalog change fanned out by <c>mesh-sync serve</c> to 100 <c>/v1/watch</c> SSE clients on loopback: the time until
/// the last client has the new revision, beside the catalog's own change notification (a direct
/// <see cref="MeshCatalog.WatchAsync"/> subscriber, quiet period 0). BenchmarkDotNet measures throughput, so the
/// latency figures come from a run in <see cref="SetupAsync"/> (500 sequential changes; 5 under <c>--smoke</c>) on the
/// served catalog, each change timed for the direct subscriber and for the last SSE client, printed as a p50/p90/p99
/// table with the per-change difference (what serving adds; goal ≤ 5 ms at p99). The two benchmark methods then
/// repeat one change in a closed loop: on a catalog nobody serves (the baseline), and to the last of the SSE clients.
/// </summary>
[MemoryDiagnoser]
[MedianColumn]
public class ServeWatchFanOutBenchmarks
{
    private WatchFanOut _served = null!;
    private WatchFanOut _unserved = null!;

    public static IEnumerable<int> ClientCounts => BenchmarkSettings.Sizes(5, 100);

    /// <summary>SSE clients.</summary>
    [ParamsSource(nameof(ClientCounts))]
    public int Clients { get; set; }

    [GlobalSetup]
    public async Task SetupAsync()
    {
        _served = await WatchFanOut.StartAsync(Clients);
        _unserved = await WatchFanOut.StartAsync(0);
        var changes = BenchmarkSettings.Smoke ? 5 : 500;
        List<double> own = [], last = [], added = [];
        for (var i = 0; i < changes; i++)
        {
            var (ownTicks, lastTicks) = await _served.ChangeAsync();
            own.Add(Milliseconds(ownTicks));
            last.Add(Milliseconds(lastTicks));
            added.Add(Milliseconds(lastTicks - ownTicks));
        }

        Console.WriteLine($"// one change, {changes} times, {Clients} SSE clients (ms):");
        Console.WriteLine("// | Path | p50 | p90 | p99 | max |");
        foreach (var figures in new[]
        {
            LatencyFigures.From("catalog change notification (direct WatchAsync)", own),
            LatencyFigures.From($"last of {Clients} SSE clients has it", last),
            LatencyFigures.From("added by serving (per change: last client − own notification)", added),
        })
        {
            Console.WriteLine($"// | {figures.Path} | {figures.P50:F3} | {figures.P90:F3} | {figures.P99:F3} | {figures.Max:F3} |");
        }
    }

    [GlobalCleanup]
    public async Task CleanupAsync()
    {
        await _served.DisposeAsync();
        await _unserved.DisposeAsync();
    }

    /// <summary>One change to the catalog's own notification, on a catalog nobody serves.</summary>
    [Benchmark(Baseline = true)]
    public Task ChangeToCatalogNotification() => _unserved.OwnOnlyAsync();

    /// <summary>One change until the last SSE client has read its event.</summary>
    [Benchmark]
    public Task ChangeToLastSseClient() => _served.ChangeAsync();

    private static double Milliseconds(long ticks) => ticks * 1000.0 / Stopwatch.Frequency;
}
