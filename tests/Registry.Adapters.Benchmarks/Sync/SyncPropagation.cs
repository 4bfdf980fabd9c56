using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Etcdserverpb;
using Google.Protobuf;
using Registry.Adapters.Benchmarks.Catalog;
using Registry.Adapters.Benchmarks.Etcd;
using Registry.Adapters.Consul.Tests.Fake;
using Registry.Adapters.Etcd;
using Registry.Adapters.Etcd.Tests;
using Registry.Adapters.Sync;

namespace Registry.Adapters.Benchmarks.Sync;

/// <summary>
/// A live sync: an etcd source registry (<c>/mesh/source/</c>) pumped into a <see cref="MeshCatalog"/> (quiet period 0),
/// <see cref="MeshSyncEngine.RunAsync"/> mirroring it into a target (etcd <c>/mesh/target/</c> on the same server, or the
/// Consul fake), and three observers: a <see cref="MeshCatalog.WatchAsync"/> subscriber (source change → catalog), a raw
/// observer of the target (a dotnet-etcd watch on the target prefix; a blocking query loop on the Consul fake), and a
/// raw write round trip to the target. <see cref="ChangeAsync"/> changes one source instance's port (service
/// <c>service-000000</c>, port 20000 + change number) and returns when the catalog, and when the target, shows it.
/// </summary>
internal sealed class SyncPropagation : IAsyncDisposable
{
    private const string Watched = "service-000000";
    private const string SourcePrefix = "/mesh/source/";
    private const int PortBase = 20_000;
    private const int MaxChanges = 40_000;

    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _loops = [];
    private readonly long[] _sent = new long[MaxChanges];
    private readonly long[] _atCatalog = new long[MaxChanges];
    private readonly long[] _atTarget = new long[MaxChanges];
    private readonly TaskCompletionSource<long>?[] _catalogDone = new TaskCompletionSource<long>?[MaxChanges];
    private readonly TaskCompletionSource<long>?[] _targetDone = new TaskCompletionSource<long>?[MaxChanges];
    private readonly string _target;
    private EtcdServer _etcd = null!;
    private FakeConsulServer? _consul;
    private EtcdConnection _writer = null!;
    private EtcdRecordCodec _sourceCodec = null!;
    private IServiceRegistry _source = null!;
    private IServiceRegistry _targetRegistry = null!;
    private MeshCatalog _catalog = null!;
    private MeshSyncEngine _engine = null!;
    private HttpClient? _http;
    private int _next;
    private long _writes;

    private SyncPropagation(string target) => _target = target;

    /// <summary>Starts everything with <paramref name="services"/> × 10 source instances and waits until the target holds them all.</summary>
    public static async Task<SyncPropagation> StartAsync(string target, int services)
    {
        var run = new SyncPropagation(target);
        await run.SetupAsync(services);
        return run;
    }

    /// <summary>Changes one source instance; the Stopwatch ticks until the catalog, and the target, had it.</summary>
    public async Task<(long Catalog, long Target)> ChangeAsync(bool waitForTarget = true)
    {
        var i = _next++;
        if (i >= MaxChanges)
        {
            throw new InvalidOperationException("too many changes for one run");
        }

        var catalogSeen = new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously);
        var targetSeen = new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously);
        Volatile.Write(ref _catalogDone[i], catalogSeen);
        Volatile.Write(ref _targetDone[i], targetSeen);
        var instance = CatalogData.Instance(Watched, 0, i % 10) with { Ports = [new ServicePort("http", PortBase + i, "http")] };
        Volatile.Write(ref _sent[i], Stopwatch.GetTimestamp());
        await _writer.Kv.PutAsync(new PutRequest { Key = ByteString.CopyFrom(_sourceCodec.EncodeKey(instance)), Value = ByteString.CopyFrom(_sourceCodec.EncodeValue(instance)) }, _writer.Headers);
        await catalogSeen.Task.WaitAsync(TimeSpan.FromSeconds(30));
        if (waitForTarget)
        {
            await targetSeen.Task.WaitAsync(TimeSpan.FromSeconds(30));
        }

        return (Volatile.Read(ref _atCatalog[i]) - _sent[i], waitForTarget ? Volatile.Read(ref _atTarget[i]) - _sent[i] : 0);
    }

    /// <summary>One raw write round trip to the target (an etcd put; a one-operation Consul transaction).</summary>
    public async Task<long> TargetRoundTripAsync()
    {
        var started = Stopwatch.GetTimestamp();
        if (_consul is null)
        {
            await _writer.Kv.PutAsync(new PutRequest { Key = ByteString.CopyFromUtf8("/bench/round-trip"), Value = ByteString.CopyFromUtf8(started.ToString(CultureInfo.InvariantCulture)) }, _writer.Headers);
        }
        else
        {
            using var content = new StringContent("[{\"Node\":{\"Verb\":\"set\",\"Node\":{\"Node\":\"round-trip\",\"Address\":\"10.9.9.9\"}}}]", Encoding.UTF8, "application/json");
            using var response = await _http!.PutAsync(new Uri("v1/txn", UriKind.Relative), content);
            response.EnsureSuccessStatusCode();
        }

        return Stopwatch.GetTimestamp() - started;
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await Task.WhenAll(_loops).ContinueWith(static _ => { }, TaskScheduler.Default);
        _engine.Dispose();
        _catalog.Dispose();
        await _source.DisposeAsync();
        await _targetRegistry.DisposeAsync();
        _writer.Dispose();
        _http?.Dispose();
        if (_consul is not null)
        {
            await _consul.DisposeAsync();
        }

        await _etcd.DisposeAsync();
        _stop.Dispose();
    }

    private async Task SetupAsync(int services)
    {
        _etcd = await EtcdServer.StartAsync();
        var sourceOptions = SyncBench.EtcdOptions(_etcd, SourcePrefix);
        _sourceCodec = new EtcdRecordCodec(sourceOptions);
        _writer = await EtcdConnection.ConnectAsync(sourceOptions, 0, CancellationToken.None);
        var snapshot = CatalogData.Snapshot(0, services, 10).Snapshot;
        foreach (var chunk in snapshot.Services.SelectMany(static s => s.Value).Chunk(100))
        {
            var txn = new TxnRequest();
            foreach (var instance in chunk)
            {
                txn.Success.Add(new RequestOp { RequestPut = new PutRequest { Key = ByteString.CopyFrom(_sourceCodec.EncodeKey(instance)), Value = ByteString.CopyFrom(_sourceCodec.EncodeValue(instance)) } });
            }

            await _writer.Kv.TxnAsync(txn, _writer.Headers);
        }

        _source = EtcdRegistryFactory.CreateRegistry(SyncBench.Source, sourceOptions);
        _catalog = new MeshCatalog(new MeshOptions { ChangeQuietPeriod = TimeSpan.Zero, ChangeMaxDelay = TimeSpan.Zero });
        _catalog.AddRegistry(SyncBench.Source, "etcd", 0);
        var synced = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _loops.Add(Task.Run(() => PumpAsync(synced)));
        var subscribed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _loops.Add(Task.Run(() => CatalogObserverAsync(subscribed)));
        await Task.WhenAll(synced.Task, subscribed.Task).WaitAsync(TimeSpan.FromSeconds(60));

        if (_target == "etcd")
        {
            _targetRegistry = SyncBench.EtcdTarget(_etcd);
            await StartEtcdObserverAsync();
        }
        else
        {
            _consul = await FakeConsulServer.StartAsync();
            _consul.Jitter = false;
            _targetRegistry = SyncBench.ConsulTarget(_consul);
            _http = new HttpClient { BaseAddress = _consul.Address, Timeout = Timeout.InfiniteTimeSpan };
            _loops.Add(Task.Run(ConsulObserverAsync));
        }

        var total = services * 10;
        var mirrored = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _engine = new MeshSyncEngine(_catalog, [(IServiceRegistryWriter)_targetRegistry], SyncBench.Options(_target));
        _engine.PassCompleted = pass =>
        {
            if (Interlocked.Add(ref _writes, pass.Writes) >= total)
            {
                mirrored.TrySetResult();
            }
        };
        _loops.Add(Task.Run(() => _engine.RunAsync(_stop.Token)));
        await mirrored.Task.WaitAsync(TimeSpan.FromSeconds(120));
    }

    private async Task PumpAsync(TaskCompletionSource synced)
    {
        try
        {
            await foreach (var item in _source.WatchAsync(_stop.Token))
            {
                _catalog.Apply(SyncBench.Source, item);
                if (item is RegistryStateEvent { State: RegistryConnectionState.Connected })
                {
                    synced.TrySetResult();
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private async Task CatalogObserverAsync(TaskCompletionSource subscribed)
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
                    foreach (var change in batches.Current.Changes)
                    {
                        if (change.Service.Name == Watched)
                        {
                            foreach (var mesh in change.Service.Instances)
                            {
                                Seen(_atCatalog, mesh.Instance.Ports[0].Port, now, target: false);
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

    private async Task StartEtcdObserverAsync()
    {
        var codec = new EtcdRecordCodec(SyncBench.EtcdOptions(_etcd));
        var prefix = Encoding.UTF8.GetBytes($"{SyncBench.EtcdPrefix}{Watched}/");
        var connection = await EtcdConnection.ConnectAsync(SyncBench.EtcdOptions(_etcd), 0, CancellationToken.None);
        var call = connection.Watch.Watch(connection.Headers, cancellationToken: _stop.Token);
        await call.RequestStream.WriteAsync(new WatchRequest { CreateRequest = new WatchCreateRequest { Key = ByteString.CopyFrom(prefix), RangeEnd = ByteString.CopyFrom(EtcdRecordCodec.PrefixEnd(prefix)) } });
        if (!await call.ResponseStream.MoveNext(_stop.Token) || !call.ResponseStream.Current.Created)
        {
            throw new InvalidOperationException("the raw etcd watch was not created");
        }

        _loops.Add(Task.Run(async () =>
        {
            try
            {
                while (await call.ResponseStream.MoveNext(_stop.Token))
                {
                    var now = Stopwatch.GetTimestamp();
                    foreach (var e in call.ResponseStream.Current.Events)
                    {
                        if (e.Type == Mvccpb.Event.Types.EventType.Put && codec.Decode(e.Kv.Key.Span, e.Kv.Value.Span).Instance is { } instance)
                        {
                            Seen(_atTarget, instance.Ports[0].Port, now, target: true);
                        }
                    }
                }
            }
            catch (Exception ex) when (ex is OperationCanceledException or Grpc.Core.RpcException)
            {
            }
            finally
            {
                call.Dispose();
                connection.Dispose();
            }
        }));
    }

    private async Task ConsulObserverAsync()
    {
        var index = 0UL;
        while (!_stop.IsCancellationRequested)
        {
            try
            {
                var url = index == 0 ? $"v1/catalog/service/{Watched}" : $"v1/catalog/service/{Watched}?index={index}&wait=300000ms";
                using var response = await _http!.GetAsync(new Uri(url, UriKind.Relative), _stop.Token);
                var body = await response.Content.ReadAsByteArrayAsync(_stop.Token);
                var now = Stopwatch.GetTimestamp();
                index = ulong.Parse(response.Headers.GetValues("X-Consul-Index").First(), CultureInfo.InvariantCulture);
                using var document = JsonDocument.Parse(body);
                foreach (var entry in document.RootElement.EnumerateArray())
                {
                    Seen(_atTarget, entry.GetProperty("ServicePort").GetInt32(), now, target: true);
                }
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private void Seen(long[] at, int port, long now, bool target)
    {
        var i = port - PortBase;
        if (i < 0 || i >= MaxChanges || Volatile.Read(ref _sent[i]) == 0 || Interlocked.CompareExchange(ref at[i], now, 0) != 0)
        {
            return;
        }

        Volatile.Read(ref (target ? ref _targetDone[i] : ref _catalogDone[i]))?.TrySetResult(now);
    }

    /// <summary>Prints p50/p90/p99 of both paths and the target round trip, and the goal's verdict.</summary>
    public static void Print(string target, int instances, List<double> catalog, List<double> targetSeen, List<double> roundTrip)
    {
        var c = LatencyFigures.From("source change -> catalog (MeshCatalog.WatchAsync)", catalog);
        var t = LatencyFigures.From($"source change -> visible in the target ({target}, raw observer)", targetSeen);
        var r = LatencyFigures.From($"one raw write round trip to the target ({target})", roundTrip);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"// propagation into {target}, {instances} source instances, {catalog.Count} changes (ms):"));
        Console.WriteLine("// | Path | p50 | p90 | p99 | max |");
        foreach (var f in new[] { c, t, r })
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"// | {f.Path} | {f.P50:0.000} | {f.P90:0.000} | {f.P99:0.000} | {f.Max:0.000} |"));
        }

        var p50 = c.P50 + r.P50 + 5;
        var p99 = c.P99 + r.P99 + 5;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"// goal (target <= catalog + round trip + 5 ms): p50 {t.P50:0.000} <= {p50:0.000} {(t.P50 <= p50 ? "met" : "NOT met")}; p99 {t.P99:0.000} <= {p99:0.000} {(t.P99 <= p99 ? "met" : "NOT met")}"));
    }
}
