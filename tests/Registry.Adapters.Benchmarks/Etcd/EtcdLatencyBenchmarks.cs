using BenchmarkDotNet.Attributes;

namespace Registry.Adapters.Benchmarks.Etcd;

/// <summary>
/// Put-to-change latency against a real etcd. BenchmarkDotNet measures throughput, so the latency figures come from an
/// open-loop run in <see cref="GlobalSetup"/> (1,000 puts at 100/s; 20 under <c>--smoke</c>), printed as a p50/p99 table
/// for the adapter pipeline and for a raw dotnet-etcd watch side by side. The benchmark method then measures one
/// closed-loop put → catalog change round trip for BenchmarkDotNet's own statistics (in process: see <see cref="EtcdBenchmarkConfig"/>).
/// </summary>
[MemoryDiagnoser]
[Config(typeof(EtcdBenchmarkConfig))]
public class EtcdLatencyBenchmarks
{
    private EtcdClosedLoop? _loop;

    /// <summary>The figures of the open-loop run (also printed).</summary>
    public static EtcdLatencyReport? LastReport { get; private set; }

    [GlobalSetup]
    public async Task GlobalSetup()
    {
        LastReport = await EtcdLatencyMeasurement.RunAsync(BenchmarkSettings.Smoke ? 20 : 1000, 100, Console.Out);
        _loop = await EtcdClosedLoop.StartAsync();
    }

    [GlobalCleanup]
    public async Task GlobalCleanup()
    {
        if (_loop is not null)
        {
            await _loop.DisposeAsync();
        }
    }

    [Benchmark(Description = "put -> MeshCatalog change (closed loop)")]
    public Task PutToCatalogChange() => _loop!.PutAndWaitAsync();
}
