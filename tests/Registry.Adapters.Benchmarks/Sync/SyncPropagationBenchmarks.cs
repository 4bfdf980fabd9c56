using System.Diagnostics;
using BenchmarkDotNet.Attributes;
using Registry.Adapters.Benchmarks.Etcd;

namespace Registry.Adapters.Benchmarks.Sync;

/// <summary>
/// Propagation, side by side in one run (see <see cref="SyncPropagation"/>): a source change (an etcd put) until the
/// merged catalog has it, and until it is visible in the target (real etcd, or the Consul fake) through
/// <see cref="Registry.Adapters.Sync.MeshSyncEngine.RunAsync"/>. BenchmarkDotNet measures throughput, so the latency
/// figures come from <see cref="SetupAsync"/>: 300 changes one after another (5 under <c>--smoke</c>), each timed on both
/// paths, and as many raw write round trips to the target, printed as p50/p90/p99 with the goal's verdict (target ≤
/// catalog + one round trip + 5 ms). The two benchmark methods repeat one change in a closed loop: until the catalog
/// has it (the baseline), and until the target shows it.
/// </summary>
[MemoryDiagnoser]
[Config(typeof(EtcdBenchmarkConfig))]
public class SyncPropagationBenchmarks
{
    private SyncPropagation _run = null!;

    public static IEnumerable<string> Targets => ["etcd", "consul"];

    public static IEnumerable<int> InstanceCounts => BenchmarkSettings.Sizes(100, 1_000, 10_000);

    [ParamsSource(nameof(Targets))]
    public string Target { get; set; } = "etcd";

    /// <summary>Source instances (10 per service).</summary>
    [ParamsSource(nameof(InstanceCounts))]
    public int Instances { get; set; }

    [GlobalSetup]
    public async Task SetupAsync()
    {
        _run = await SyncPropagation.StartAsync(Target, Instances / 10);
        var changes = BenchmarkSettings.Smoke ? 5 : 300;
        List<double> catalog = [], target = [], roundTrip = [];
        for (var i = 0; i < changes; i++)
        {
            var (atCatalog, atTarget) = await _run.ChangeAsync();
            catalog.Add(Milliseconds(atCatalog));
            target.Add(Milliseconds(atTarget));
        }

        for (var i = 0; i < changes; i++)
        {
            roundTrip.Add(Milliseconds(await _run.TargetRoundTripAsync()));
        }

        SyncPropagation.Print(Target, Instances, catalog, target, roundTrip);
    }

    [GlobalCleanup]
    public async Task CleanupAsync() => await _run.DisposeAsync();

    /// <summary>One source change until the catalog has it.</summary>
    [Benchmark(Baseline = true, Description = "source change -> catalog")]
    public Task SourceToCatalog() => _run.ChangeAsync(waitForTarget: false);

    /// <summary>One source change until the target shows it.</summary>
    [Benchmark(Description = "source change -> visible in the target")]
    public Task SourceToTarget() => _run.ChangeAsync();

    private static double Milliseconds(long ticks) => ticks * 1000.0 / Stopwatch.Frequency;
}
