using System.Globalization;
using System.Text.Json;
using BenchmarkDotNet.Attributes;
using Etcdserverpb;
using Google.Protobuf;
using Registry.Adapters.Benchmarks.Etcd;
using Registry.Adapters.Consul;
using Registry.Adapters.Consul.Client;
using Registry.Adapters.Consul.Tests.Fake;
using Registry.Adapters.Etcd;
using Registry.Adapters.Etcd.Tests;
using Registry.Adapters.Sync;

namespace Registry.Adapters.Benchmarks.Sync;

/// <summary>
/// Cold sync: 100,000 instances in 1,000 services (1,000 in 10 under <c>--smoke</c>) from one source into an empty
/// target — the real etcd, or the Consul fake — through <see cref="MeshSyncEngine.RunOnceAsync"/> and the target's real
/// writer, beside a raw client that puts the same records (marked, as the target stores them) in transactions of the
/// same size: <see cref="SyncOptions.BatchSize"/> puts per etcd txn, Consul's 64 operations per <c>/v1/txn</c> (two per
/// instance). Each iteration starts from an empty target. <see cref="SyncOptions.MaxWritesPerSecond"/> is set out of
/// the way (see <see cref="SyncBench.Options"/>). The setup prints one instrumented run of each path: time, requests
/// counted by the server (etcd's <c>grpc_server_handled_total</c>; the fake's request log) and the peak managed heap.
/// </summary>
[MemoryDiagnoser]
[Config(typeof(EtcdLoadBenchmarkConfig))]
public abstract class SyncColdBenchmarks
{
    private static readonly HashSet<string> Printed = [];
    private EtcdServer? _etcd;
    private FakeConsulServer? _consul;
    private IServiceRegistry? _target;
    private MeshCatalog _catalog = null!;
    private List<ServiceInstance> _desired = null!;

    public static IEnumerable<int> InstanceCounts => BenchmarkSettings.Sizes(1_000, 100_000);

    /// <summary>The target kind: <c>etcd</c> or <c>consul</c>.</summary>
    protected abstract string Target { get; }

    [ParamsSource(nameof(InstanceCounts))]
    public int Instances { get; set; }

    private int BatchSize { get; } = new SyncOptions().BatchSize;

    [GlobalSetup]
    public async Task GlobalSetupAsync()
    {
        _catalog = SyncBench.Catalog(Instances / 100, 100);
        if (Target == "etcd")
        {
            _etcd = await EtcdServer.StartAsync();
        }

        await FreshTargetAsync();
        _desired = SyncBench.Desired(_catalog, (IServiceRegistryWriter)_target!);
        if (Printed.Add($"{Target}/{Instances}"))
        {
            // Once per target and size (BenchmarkDotNet runs the global setup once per method).
            await PrintInstrumentedAsync();
        }
    }

    [GlobalCleanup]
    public async Task GlobalCleanupAsync()
    {
        await DropTargetAsync();
        _catalog.Dispose();
        if (_etcd is not null)
        {
            await _etcd.DisposeAsync();
        }
    }

    [IterationSetup]
    public void IterationSetup() => FreshTargetAsync().GetAwaiter().GetResult();

    /// <summary>The same records put by a raw client in transactions of the same size.</summary>
    [Benchmark(Baseline = true, Description = "raw client, same records and batch sizes")]
    public Task<int> RawClient() => Target == "etcd" ? RawEtcdAsync() : RawConsulAsync();

    /// <summary>One reconcile pass of the engine into the empty target.</summary>
    [Benchmark(Description = "MeshSyncEngine pass, real writer")]
    public async Task<int> MeshSync()
    {
        using var engine = new MeshSyncEngine(_catalog, [(IServiceRegistryWriter)_target!], SyncBench.Options(Target));
        var result = await engine.RunOnceAsync();
        if (result.Writes != Instances || result.Errors.Count > 0)
        {
            throw new InvalidOperationException($"the pass wrote {result.Writes} of {Instances}: {string.Join("; ", result.Errors.Values)}");
        }

        return result.Requests;
    }

    private async Task<int> PlanOnlyAsync()
    {
        var options = SyncBench.Options(Target);
        options.DryRun = true;
        using var engine = new MeshSyncEngine(_catalog, [(IServiceRegistryWriter)_target!], options);
        return (await engine.RunOnceAsync()).Targets[0].Creates.Count;
    }

    private async Task<int> RawEtcdAsync()
    {
        var options = SyncBench.EtcdOptions(_etcd!);
        var codec = new EtcdRecordCodec(options);
        using var connection = await EtcdConnection.ConnectAsync(options, 0, CancellationToken.None);
        var lease = (await connection.Lease.LeaseGrantAsync(new LeaseGrantRequest { TTL = 15 }, connection.Headers)).ID;
        var requests = 1;
        foreach (var chunk in _desired.Chunk(BatchSize))
        {
            var txn = new TxnRequest();
            foreach (var instance in chunk)
            {
                txn.Success.Add(new RequestOp { RequestPut = new PutRequest { Key = ByteString.CopyFrom(codec.EncodeKey(instance)), Value = ByteString.CopyFrom(codec.EncodeValue(instance)), Lease = lease } });
            }

            await connection.Kv.TxnAsync(txn, connection.Headers);
            requests++;
        }

        return requests;
    }

    private async Task<int> RawConsulAsync()
    {
        var settings = SyncBench.ConsulSettingsOf(_consul!);
        using var http = new HttpClient { BaseAddress = _consul!.Address };
        var requests = 0;
        List<ConsulTxnOp> operations =
        [
            new() { Node = new ConsulTxnNodeOp { Verb = "set", Node = new ConsulTxnNode { Node = SyncBench.SyncId, Address = ConsulSyncWriter.NodeAddress } } },
        ];
        foreach (var instance in _desired)
        {
            var record = ConsulCatalogRecord.From(instance, settings, SyncBench.SyncId);
            if (operations.Count + 1 + record.Checks.Count > ConsulSyncWriter.MaxOpsPerTxn)
            {
                await SendAsync(operations);
                operations = [];
            }

            operations.Add(new ConsulTxnOp { Service = new ConsulTxnServiceOp { Verb = "set", Node = SyncBench.SyncId, Service = record.Service } });
            operations.AddRange(record.Checks.Select(static c => new ConsulTxnOp { Check = new ConsulTxnCheckOp { Verb = "set", Check = c } }));
        }

        await SendAsync(operations);
        return requests;

        async Task SendAsync(List<ConsulTxnOp> ops)
        {
            using var content = new ByteArrayContent(JsonSerializer.SerializeToUtf8Bytes(ops, ConsulTxnJsonContext.Default.ListConsulTxnOp));
            using var response = await http.PutAsync(new Uri("v1/txn", UriKind.Relative), content);
            response.EnsureSuccessStatusCode();
            requests++;
        }
    }

    private async Task FreshTargetAsync()
    {
        await DropTargetAsync();
        if (_etcd is not null)
        {
            await SyncBench.WipeEtcdAsync(_etcd);
            _target = SyncBench.EtcdTarget(_etcd);
        }
        else
        {
            _consul = await FakeConsulServer.StartAsync();
            _target = SyncBench.ConsulTarget(_consul);
        }
    }

    private async Task DropTargetAsync()
    {
        if (_target is not null)
        {
            await _target.DisposeAsync();
            _target = null;
        }

        if (_consul is not null)
        {
            await _consul.DisposeAsync();
            _consul = null;
        }
    }

    private async Task PrintInstrumentedAsync()
    {
        var raw = await MeasureAsync(RawClient);
        await FreshTargetAsync();
        var plan = await Timed.RunAsync(PlanOnlyAsync);
        await FreshTargetAsync();
        var sync = await MeasureAsync(MeshSync);
        var limit = (double)Instances / BatchSize;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"// cold sync into {Target}, {Instances} instances in {Instances / 100} services, BatchSize {BatchSize}, MaxWritesPerSecond 1e9:"));
        Console.WriteLine("// | Path | Time | Requests (counted by the server) | Peak managed heap over baseline |");
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"// | raw client | {raw.Elapsed.TotalSeconds:0.000} s | {raw.Requests} | +{raw.PeakMiB:0.0} MiB |"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"// | MeshSyncEngine | {sync.Elapsed.TotalSeconds:0.000} s | {sync.Requests} | +{sync.PeakMiB:0.0} MiB |"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"// (of which planning: a dry-run pass of the engine, list + mark + normalize + diff, writes nothing: {plan.Elapsed.TotalSeconds:0.000} s)"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"// write requests (etcd Txn, Consul /v1/txn): raw {raw.Writes}, MeshSyncEngine {sync.Writes}; instances / batch size = {limit:0.0}{(Target == "etcd" ? $"; goal <= 5 s: {(sync.Elapsed.TotalSeconds <= 5 ? "met" : "NOT met")}" : "")}"));
    }

    private async Task<(TimeSpan Elapsed, string Requests, long Writes, double PeakMiB)> MeasureAsync(Func<Task<int>> path)
    {
        var before = _etcd is null ? [] : await SyncBench.EtcdRequestsAsync(_etcd);
        var heap = HeapPeak.Start();
        var (_, elapsed) = await Timed.RunAsync(path);
        var peak = await heap.StopAsync();
        if (_etcd is not null)
        {
            var (total, txns, text) = SyncBench.Difference(before, await SyncBench.EtcdRequestsAsync(_etcd));
            return (elapsed, $"{total} ({text})", txns, peak);
        }

        var txn = _consul!.CountRequests("/v1/txn");
        return (elapsed, $"{_consul.Requests.Count} ({txn} /v1/txn)", txn, peak);
    }
}

/// <summary>Cold sync into the real etcd (<c>--filter '*SyncColdEtcd*'</c>).</summary>
public class SyncColdEtcdBenchmarks : SyncColdBenchmarks
{
    protected override string Target => "etcd";
}

/// <summary>
/// Cold sync into the Consul fake (<c>--filter '*SyncColdConsul*'</c>). The fake snapshots its whole catalog before
/// every transaction (to roll a failed one back), so its own cost per transaction grows with what it holds; both paths pay it.
/// </summary>
public class SyncColdConsulBenchmarks : SyncColdBenchmarks
{
    protected override string Target => "consul";
}
