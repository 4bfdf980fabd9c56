using System.Diagnostics;
using System.Globalization;
using BenchmarkDotNet.Attributes;
using Registry.Adapters.Etcd;
using Registry.Adapters.Etcd.Tests;

namespace Registry.Adapters.Benchmarks.Etcd;

/// <summary>
/// The initial load of N keys (100,000; 1,000 under <c>--smoke</c>) from a real etcd: a paged read at one pinned
/// revision (PageSize 1000) into a snapshot. BenchmarkDotNet reports time and allocations; <see cref="GlobalSetup"/>
/// also prints the peak managed heap of one instrumented load and the size the snapshot retains.
/// </summary>
[MemoryDiagnoser]
[Config(typeof(EtcdLoadBenchmarkConfig))]
public class EtcdInitialLoadBenchmarks
{
    private EtcdServer? _server;
    private IServiceRegistry? _registry;

    public static IEnumerable<int> KeyCounts => BenchmarkSettings.Sizes(1000, 100_000);

    [ParamsSource(nameof(KeyCounts))]
    public int Keys { get; set; }

    [GlobalSetup]
    public async Task GlobalSetup()
    {
        _server = await EtcdServer.StartAsync();
        const string prefix = "/mesh/services/";
        using (var writer = await EtcdTestClient.ConnectAsync(_server))
        {
            var codec = new EtcdRecordCodec(new EtcdRegistryOptions());
            await EtcdTestData.PutManyAsync(writer, Enumerable.Range(0, Keys).Select(i =>
            {
                var instance = new ServiceInstance
                {
                    Service = $"svc-{i % 1000:D4}",
                    Id = $"i-{i:D6}",
                    Host = $"10.{i / 65536}.{i / 256 % 256}.{i % 256}",
                    Ports = [new ServicePort("http", 8080, "http"), new ServicePort("grpc", 9090, "grpc")],
                    Zone = "zone-a",
                    Tags = ["v1"],
                    Metadata = new Dictionary<string, string> { ["version"] = "1.0" },
                };
                return ($"{prefix}{instance.Service}/{instance.Id}", System.Text.Encoding.UTF8.GetString(codec.EncodeValue(instance)));
            }));
        }

        var options = new EtcdRegistryOptions();
        options.Endpoints.Add(_server.ClientUrl);
        _registry = EtcdRegistryFactory.CreateRegistry("etcd", options);
        await PrintPeakAsync();
    }

    [GlobalCleanup]
    public async Task GlobalCleanup()
    {
        if (_registry is not null)
        {
            await _registry.DisposeAsync();
        }

        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }

    [Benchmark(Description = "initial load (paged read + snapshot)")]
    public async Task<int> InitialLoad() => (await _registry!.ReadAsync()).InstanceCount;

    private async Task PrintPeakAsync()
    {
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        var baseline = GC.GetTotalMemory(forceFullCollection: true);
        long peak = baseline;
        using var sampling = new CancellationTokenSource();
        var sampler = Task.Run(async () =>
        {
            while (!sampling.IsCancellationRequested)
            {
                peak = Math.Max(peak, GC.GetTotalMemory(false));
                await Task.Delay(1);
            }
        });
        var started = Stopwatch.GetTimestamp();
        var snapshot = await _registry!.ReadAsync();
        var elapsed = Stopwatch.GetElapsedTime(started);
        await sampling.CancelAsync();
        await sampler;
        peak = Math.Max(peak, GC.GetTotalMemory(false));
        var retained = GC.GetTotalMemory(forceFullCollection: true) - baseline;
        GC.KeepAlive(snapshot);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"etcd initial load of {snapshot.InstanceCount} keys: {elapsed.TotalMilliseconds:0} ms, peak managed heap +{(peak - baseline) / 1048576.0:0.0} MiB over baseline, snapshot retains {retained / 1048576.0:0.0} MiB"));
    }
}
