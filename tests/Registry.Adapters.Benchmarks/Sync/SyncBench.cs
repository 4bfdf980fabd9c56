using System.Diagnostics;
using System.Globalization;
using Etcdserverpb;
using Google.Protobuf;
using Microsoft.Extensions.Logging.Abstractions;
using Registry.Adapters.Benchmarks.Catalog;
using Registry.Adapters.Consul;
using Registry.Adapters.Consul.Tests.Fake;
using Registry.Adapters.Etcd;
using Registry.Adapters.Etcd.Tests;
using Registry.Adapters.Sync;

namespace Registry.Adapters.Benchmarks.Sync;

/// <summary>What the sync benchmarks share: the source mesh, sync options, the two targets and their request counters.</summary>
internal static class SyncBench
{
    public const string SyncId = "bench-sync";

    public const string Source = "source";

    public const string EtcdPrefix = "/mesh/target/";

    /// <summary>
    /// Sync options for a benchmark: the write limit (<see cref="SyncOptions.MaxWritesPerSecond"/>, 500/s by default) is
    /// set out of the way, so the figures are the engine's and the writer's, not the token bucket's (100,000 instances
    /// would take 200 s at the default).
    /// </summary>
    public static SyncOptions Options(string target, TimeSpan? resync = null)
    {
        var options = new SyncOptions { SyncId = SyncId, MaxWritesPerSecond = 1e9, Resync = resync ?? TimeSpan.FromMinutes(5) };
        options.To.Add(target);
        return options;
    }

    /// <summary>A catalog holding one memory source of <paramref name="services"/> × <paramref name="perService"/> instances.</summary>
    public static MeshCatalog Catalog(int services, int perService, MeshOptions? options = null)
    {
        var catalog = new MeshCatalog(options ?? new MeshOptions());
        catalog.AddRegistry(Source, "memory", 0);
        catalog.Apply(Source, CatalogData.Snapshot(0, services, perService));
        return catalog;
    }

    /// <summary>What the sync writes for a target: every source instance marked with the sync id and its origin, as the target stores it.</summary>
    public static List<ServiceInstance> Desired(MeshCatalog catalog, IServiceRegistryWriter target)
    {
        var desired = new List<ServiceInstance>();
        foreach (var service in catalog.Current.GetServices())
        {
            foreach (var mesh in service.Instances)
            {
                if (!target.TryNormalize(SyncMetadata.Mark(mesh.Instance, SyncId, mesh.Registry), out var stored, out var reason))
                {
                    throw new InvalidOperationException(reason);
                }

                desired.Add(stored);
            }
        }

        return desired;
    }

    public static EtcdRegistryOptions EtcdOptions(EtcdServer server, string prefix = EtcdPrefix)
    {
        var options = new EtcdRegistryOptions { Prefix = prefix };
        options.Endpoints.Add(server.ClientUrl);
        return options;
    }

    /// <summary>Deletes every key and compacts: an empty etcd for the next run.</summary>
    public static async Task WipeEtcdAsync(EtcdServer server)
    {
        using var connection = await EtcdConnection.ConnectAsync(server.ClientOptions(), 0, CancellationToken.None);
        await connection.Kv.DeleteRangeAsync(new DeleteRangeRequest { Key = ByteString.CopyFromUtf8("/"), RangeEnd = ByteString.CopyFrom(0) }, connection.Headers);
        var put = await connection.Kv.PutAsync(new PutRequest { Key = ByteString.CopyFromUtf8("/filler"), Value = ByteString.CopyFromUtf8("1") }, connection.Headers);
        await connection.Kv.CompactAsync(new CompactionRequest { Revision = put.Header.Revision, Physical = true }, connection.Headers);
    }

    public static IServiceRegistry EtcdTarget(EtcdServer server, string name = "etcd", TimeProvider? time = null, string prefix = EtcdPrefix) =>
        EtcdRegistryFactory.CreateRegistry(name, EtcdOptions(server, prefix), timeProvider: time);

    public static ConsulSettings ConsulSettingsOf(FakeConsulServer fake) => ConsulSettings.Create(
        new ConsulRegistryOptions { Address = fake.Address.ToString(), UseEnvironment = false, MinQueryInterval = TimeSpan.Zero, RequestTimeout = TimeSpan.FromSeconds(30) },
        "Consul");

    public static IServiceRegistry ConsulTarget(FakeConsulServer fake, string name = "consul", TimeProvider? time = null) =>
        new ConsulServiceRegistry(name, ConsulSettingsOf(fake), NullLoggerFactory.Instance, time ?? TimeProvider.System);

    /// <summary>
    /// etcd's own count of the gRPC requests it handled, by method (<c>grpc_server_handled_total</c> on its metrics
    /// listener), so the requests a path sends are counted by the server, not by the client under test.
    /// </summary>
    public static async Task<Dictionary<string, long>> EtcdRequestsAsync(EtcdServer server)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        var text = await http.GetStringAsync(new Uri($"http://127.0.0.1:{server.MetricsPort}/metrics"));
        var counts = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var line in text.Split('\n'))
        {
            if (!line.StartsWith("grpc_server_handled_total{", StringComparison.Ordinal))
            {
                continue;
            }

            var at = line.IndexOf("grpc_method=\"", StringComparison.Ordinal) + 13;
            var method = line[at..line.IndexOf('"', at)];
            var value = long.Parse(line[(line.LastIndexOf(' ') + 1)..], NumberStyles.Float, CultureInfo.InvariantCulture);
            counts[method] = counts.GetValueOrDefault(method) + value;
        }

        return counts;
    }

    /// <summary>The requests etcd handled between two counts, as <c>Txn 782, Range 1, …</c> and the total.</summary>
    public static (long Total, long Txns, string Text) Difference(Dictionary<string, long> before, Dictionary<string, long> after)
    {
        var diff = after.Select(p => (p.Key, Count: p.Value - before.GetValueOrDefault(p.Key))).Where(static p => p.Count > 0).OrderByDescending(static p => p.Count).ToList();
        return (diff.Sum(static p => p.Count), diff.Where(static p => p.Key == "Txn").Sum(static p => p.Count), string.Join(", ", diff.Select(static p => $"{p.Key} {p.Count}")));
    }
}

/// <summary>The peak of the managed heap while a piece of work runs, over the heap before it (sampled every millisecond).</summary>
internal sealed class HeapPeak
{
    private readonly CancellationTokenSource _stop = new();
    private readonly long _baseline;
    private readonly Task _sampler;
    private long _peak;

    private HeapPeak()
    {
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        _baseline = GC.GetTotalMemory(forceFullCollection: true);
        _peak = _baseline;
        _sampler = Task.Run(async () =>
        {
            while (!_stop.IsCancellationRequested)
            {
                Sample();
                await Task.Delay(1);
            }
        });
    }

    public static HeapPeak Start() => new();

    /// <summary>Stops sampling; the peak over the baseline, in MiB.</summary>
    public async Task<double> StopAsync()
    {
        await _stop.CancelAsync();
        await _sampler;
        Sample();
        _stop.Dispose();
        return (Interlocked.Read(ref _peak) - _baseline) / 1048576.0;
    }

    private void Sample()
    {
        var now = GC.GetTotalMemory(false);
        long seen;
        while (now > (seen = Interlocked.Read(ref _peak)) && Interlocked.CompareExchange(ref _peak, now, seen) != seen)
        {
        }
    }
}

/// <summary>Wall-clock time of one instrumented run.</summary>
internal static class Timed
{
    public static async Task<(T Result, TimeSpan Elapsed)> RunAsync<T>(Func<Task<T>> work)
    {
        var started = Stopwatch.GetTimestamp();
        var result = await work();
        return (result, Stopwatch.GetElapsedTime(started));
    }
}
