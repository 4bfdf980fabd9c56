using System.Globalization;
using BenchmarkDotNet.Attributes;
using Etcdserverpb;
using Google.Protobuf;
using Microsoft.Extensions.Time.Testing;
using Registry.Adapters.Benchmarks.Catalog;
using Registry.Adapters.Benchmarks.Etcd;
using Registry.Adapters.Consul.Tests.Fake;
using Registry.Adapters.Etcd;
using Registry.Adapters.Etcd.Tests;
using Registry.Adapters.Sync;

namespace Registry.Adapters.Benchmarks.Sync;

/// <summary>
/// Idle: a running sync (<see cref="MeshSyncEngine.RunAsync"/>, 10,000 instances in 1,000 services; 100 under
/// <c>--smoke</c>) on a <see cref="FakeTimeProvider"/> (the engine's clock; the target registries keep the real one, so the etcd
/// lease is kept alive in real time) through 10 simulated minutes with nothing changing (two drift
/// repairs at the default <see cref="SyncOptions.Resync"/> of 5 minutes), then one instance changed. The setup prints
/// what the target saw, counted by the server (etcd's <c>grpc_server_handled_total</c>; the Consul fake's request log):
/// goal 0 writes idle, exactly one instance written for the change. The test
/// <c>MeshSyncEngineIdleTests</c> asserts the same counts. The benchmark methods time one drift repair (list the
/// target, plan, write nothing) beside a raw listing of the same records.
/// </summary>
[MemoryDiagnoser]
[Config(typeof(EtcdBenchmarkConfig))]
public class SyncIdleBenchmarks
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 2, 0, 0, 0, TimeSpan.Zero));
    private readonly CancellationTokenSource _stop = new();
    private EtcdServer? _etcd;
    private FakeConsulServer? _consul;
    private IServiceRegistry _target = null!;
    private MeshCatalog _catalog = null!;
    private MeshSyncEngine _engine = null!;
    private Task _loop = Task.CompletedTask;
    private HttpClient? _http;
    private EtcdConnection? _raw;
    private int _passes;
    private long _writes;

    public static IEnumerable<string> Targets => ["etcd", "consul"];

    public static IEnumerable<int> InstanceCounts => BenchmarkSettings.Sizes(100, 10_000);

    [ParamsSource(nameof(Targets))]
    public string Target { get; set; } = "etcd";

    [ParamsSource(nameof(InstanceCounts))]
    public int Instances { get; set; }

    [GlobalSetup]
    public async Task SetupAsync()
    {
        _catalog = SyncBench.Catalog(Instances / 10, 10);
        if (Target == "etcd")
        {
            _etcd = await EtcdServer.StartAsync();
            _target = SyncBench.EtcdTarget(_etcd);
            _raw = await EtcdConnection.ConnectAsync(SyncBench.EtcdOptions(_etcd), 0, CancellationToken.None);
        }
        else
        {
            _consul = await FakeConsulServer.StartAsync();
            _target = SyncBench.ConsulTarget(_consul);
            _http = new HttpClient { BaseAddress = _consul.Address };
        }

        _engine = new MeshSyncEngine(_catalog, [(IServiceRegistryWriter)_target], SyncBench.Options(Target), timeProvider: _time);
        _engine.PassCompleted = pass =>
        {
            Interlocked.Add(ref _writes, pass.Writes);
            Interlocked.Increment(ref _passes);
        };
        _loop = Task.Run(() => _engine.RunAsync(_stop.Token));
        await UntilAsync(() => Interlocked.Read(ref _writes) >= Instances, "the cold pass");

        var passes = Volatile.Read(ref _passes);
        var before = await RequestsAsync();
        var started = _time.GetUtcNow();

        // Ten simulated minutes, stepped (the loop sleeps until its next drift repair): two drift repairs.
        await UntilAsync(() => Volatile.Read(ref _passes) >= passes + 2, "two drift repairs", () => _time.Advance(TimeSpan.FromSeconds(10)));
        var idle = await RequestsAsync();
        var idlePasses = Volatile.Read(ref _passes) - passes;
        var idleWrites = Interlocked.Read(ref _writes) - Instances;

        // One instance changes.
        var name = CatalogData.ServiceName(7);
        var instances = Enumerable.Range(0, 10).Select(i => CatalogData.Instance(name, 0, 70 + i)).ToArray();
        instances[3] = instances[3] with { Health = HealthStatus.Unhealthy };
        _catalog.Apply(SyncBench.Source, new ServiceChangedEvent(name, instances, "2"));
        await UntilAsync(() => Volatile.Read(ref _passes) >= passes + idlePasses + 1, "the pass after the change");
        var changed = await RequestsAsync();
        var changeWrites = Interlocked.Read(ref _writes) - Instances - idleWrites;

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"// idle {Target}, {Instances} instances: {(_time.GetUtcNow() - started).TotalMinutes:0.0} simulated minutes, {idlePasses} passes (drift repairs), {idleWrites} instance writes; target requests: {Describe(before, idle)}"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"// one instance changed: {changeWrites} instance write(s); target requests: {Describe(idle, changed)}"));
        Console.WriteLine($"// goal (0 writes idle, exactly 1 for the change): {(idleWrites == 0 && changeWrites == 1 ? "met" : "NOT met")}");
    }

    [GlobalCleanup]
    public async Task CleanupAsync()
    {
        await _stop.CancelAsync();
        await _loop;
        _engine.Dispose();
        _catalog.Dispose();
        await _target.DisposeAsync();
        _raw?.Dispose();
        _http?.Dispose();
        if (_consul is not null)
        {
            await _consul.DisposeAsync();
        }

        if (_etcd is not null)
        {
            await _etcd.DisposeAsync();
        }
    }

    /// <summary>A raw listing of what the sync owns in the target (etcd: one range of the prefix; Consul: the sync node).</summary>
    [Benchmark(Baseline = true, Description = "raw listing of the target")]
    public async Task<int> RawList()
    {
        if (_raw is not null)
        {
            var prefix = ByteString.CopyFromUtf8(SyncBench.EtcdPrefix);
            var range = await _raw.Kv.RangeAsync(new RangeRequest { Key = prefix, RangeEnd = ByteString.CopyFrom(EtcdRecordCodec.PrefixEnd(prefix.ToByteArray())) }, _raw.Headers);
            return range.Kvs.Count;
        }

        return (await _http!.GetByteArrayAsync(new Uri($"v1/catalog/node/{SyncBench.SyncId}", UriKind.Relative))).Length;
    }

    /// <summary>One drift repair of the running loop: the clock reaches the resync, the loop lists the target, plans, writes nothing.</summary>
    [Benchmark(Description = "drift repair pass (list, plan, no write)")]
    public async Task DriftRepair()
    {
        var passes = Volatile.Read(ref _passes);
        _time.Advance(TimeSpan.FromMinutes(5));
        await UntilAsync(() => Volatile.Read(ref _passes) > passes, "a drift repair", () => _time.Advance(TimeSpan.FromSeconds(1)), pace: false);
    }

    private static async Task UntilAsync(Func<bool> condition, string what, Action? between = null, bool pace = true)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(120);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"timed out waiting for {what}");
            }

            between?.Invoke();
            if (pace)
            {
                await Task.Delay(5);
            }
            else
            {
                await Task.Yield();
            }
        }
    }

    private async Task<Dictionary<string, long>> RequestsAsync()
    {
        if (_etcd is not null)
        {
            return await SyncBench.EtcdRequestsAsync(_etcd);
        }

        return _consul!.Requests.GroupBy(static r => $"{r.Method} {Route(r.Path)}").ToDictionary(static g => g.Key, static g => (long)g.Count());
    }

    private static string Route(string path) => path.StartsWith("/v1/catalog/node/", StringComparison.Ordinal) ? "/v1/catalog/node/…" : path.StartsWith("/v1/health/node/", StringComparison.Ordinal) ? "/v1/health/node/…" : path;

    private static string Describe(Dictionary<string, long> before, Dictionary<string, long> after)
    {
        var (total, _, text) = SyncBench.Difference(before, after);
        return total == 0 ? "none" : $"{total} ({text})";
    }
}
