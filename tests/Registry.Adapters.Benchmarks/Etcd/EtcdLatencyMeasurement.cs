using System.Diagnostics;
using System.Globalization;
using dotnet_etcd;
using Etcdserverpb;
using Google.Protobuf;
using Grpc.Core;
using Registry.Adapters.Etcd;
using Registry.Adapters.Etcd.Tests;

namespace Registry.Adapters.Benchmarks.Etcd;

/// <summary>p50/p99 of one path, in milliseconds.</summary>
public sealed record LatencyFigures(string Path, int Samples, double P50, double P90, double P99, double Max)
{
    public static LatencyFigures From(string path, List<double> samples)
    {
        samples.Sort();
        double At(double q) => samples.Count == 0 ? double.NaN : samples[Math.Min(samples.Count - 1, (int)Math.Ceiling(q * samples.Count) - 1)];
        return new LatencyFigures(path, samples.Count, At(0.50), At(0.90), At(0.99), samples.Count == 0 ? double.NaN : samples[^1]);
    }
}

/// <summary>The result of one latency run: the adapter pipeline and the raw dotnet-etcd watch over the same puts.</summary>
public sealed record EtcdLatencyReport(int Puts, int PutsPerSecond, LatencyFigures Catalog, LatencyFigures Registry, LatencyFigures Raw)
{
    /// <summary>The goal: the catalog path within 1.2x the raw watch + 1 ms, at p50 and p99.</summary>
    public bool MeetsGoal => Catalog.P50 <= (1.2 * Raw.P50) + 1 && Catalog.P99 <= (1.2 * Raw.P99) + 1;

    public void Print(TextWriter output)
    {
        output.WriteLine($"etcd put -> change latency, {Puts} puts at {PutsPerSecond}/s (ms)");
        output.WriteLine("| Path | Samples | p50 | p90 | p99 | max |");
        output.WriteLine("|---|---:|---:|---:|---:|---:|");
        foreach (var f in new[] { Raw, Registry, Catalog })
        {
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {f.Path} | {f.Samples} | {f.P50:0.000} | {f.P90:0.000} | {f.P99:0.000} | {f.Max:0.000} |"));
        }

        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"goal (catalog <= 1.2 x raw + 1 ms at p50 and p99): {(MeetsGoal ? "met" : "NOT met")}; p50 limit {(1.2 * Raw.P50) + 1:0.000} ms, p99 limit {(1.2 * Raw.P99) + 1:0.000} ms"));
    }
}

/// <summary>
/// Put-to-change latency, measured open-loop: puts at a fixed rate into a real etcd, each observed by (a) the
/// adapter pipeline — <c>EtcdServiceRegistry</c> watch → <see cref="MeshCatalog.Apply"/> → a <see cref="MeshCatalog.WatchAsync"/>
/// batch (quiet period 0), also stamped at the registry's <see cref="ServiceChangedEvent"/> — and (b) a raw dotnet-etcd watch on the same prefix, side by side on the same server.
/// </summary>
public static class EtcdLatencyMeasurement
{
    private const int Services = 20;

    /// <summary>Runs the measurement on a fresh etcd and prints the table to <paramref name="output"/>.</summary>
    public static async Task<EtcdLatencyReport> RunAsync(int puts, int putsPerSecond, TextWriter? output = null, CancellationToken cancellationToken = default)
    {
        await using var server = await EtcdServer.StartAsync();
        var report = await RunAsync(server.ClientUrl, puts, putsPerSecond, cancellationToken);
        if (output is not null)
        {
            report.Print(output);
        }

        return report;
    }

    public static async Task<EtcdLatencyReport> RunAsync(string url, int puts, int putsPerSecond, CancellationToken cancellationToken = default)
    {
        var prefix = $"/bench/latency-{Guid.NewGuid():N}/";
        var sent = new long[puts];
        var viaCatalog = new long[puts];
        var viaRegistry = new long[puts];
        var viaRaw = new long[puts];
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);

        // (a) the adapter pipeline into the merged catalog.
        var options = new EtcdRegistryOptions { Prefix = prefix };
        options.Endpoints.Add(url);
        await using var registry = EtcdRegistryFactory.CreateRegistry("etcd", options);
        using var catalog = new MeshCatalog(new MeshOptions { ChangeQuietPeriod = TimeSpan.Zero, ChangeMaxDelay = TimeSpan.Zero });
        catalog.AddRegistry("etcd", "etcd", 0);
        var synced = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var feed = Task.Run(async () =>
        {
            try
            {
                await foreach (var item in registry.WatchAsync(stop.Token))
                {
                    if (item is ServiceChangedEvent changed)
                    {
                        Stamp(viaRegistry, changed.Instances.Select(static i => i.Ports[0].Port - 1000), puts);
                    }

                    catalog.Apply("etcd", item);
                    if (item is RegistryStateEvent { State: RegistryConnectionState.Connected })
                    {
                        synced.TrySetResult();
                    }
                }
            }
            catch (OperationCanceledException)
            {
            }
        }, CancellationToken.None);
        var changes = catalog.WatchAsync(stop.Token);
        var consume = Task.Run(async () =>
        {
            try
            {
                await foreach (var batch in changes)
                {
                    var now = Stopwatch.GetTimestamp();
                    foreach (var change in batch.Changes)
                    {
                        foreach (var instance in change.Service.Instances)
                        {
                            var i = instance.Instance.Ports[0].Port - 1000;
                            if (i >= 0 && i < puts && Volatile.Read(ref viaCatalog[i]) == 0)
                            {
                                Volatile.Write(ref viaCatalog[i], now);
                            }
                        }
                    }
                }
            }
            catch (OperationCanceledException)
            {
            }
        }, CancellationToken.None);

        // (b) the raw dotnet-etcd watch on the same prefix.
        using var raw = new EtcdClient(url, configureChannelOptions: o => o.Credentials = ChannelCredentials.Insecure);
        var prefixBytes = System.Text.Encoding.UTF8.GetBytes(prefix);
        await raw.WatchAsync(
            new WatchRequest { CreateRequest = new WatchCreateRequest { Key = ByteString.CopyFrom(prefixBytes), RangeEnd = ByteString.CopyFrom(EtcdRecordCodec.PrefixEnd(prefixBytes)) } },
            (WatchResponse response) =>
            {
                var now = Stopwatch.GetTimestamp();
                foreach (var e in response.Events)
                {
                    var id = e.Kv.Key.ToStringUtf8();
                    var i = int.Parse(id.AsSpan(id.LastIndexOf('-') + 1), CultureInfo.InvariantCulture);
                    if (i >= 0 && i < puts && Volatile.Read(ref viaRaw[i]) == 0)
                    {
                        Volatile.Write(ref viaRaw[i], now);
                    }
                }
            },
            cancellationToken: cancellationToken);

        await synced.Task.WaitAsync(TimeSpan.FromSeconds(30), cancellationToken);
        using var writer = await EtcdTestClient.ConnectAsync(new EtcdRegistryOptions { Endpoints = { url } });
        var codec = new EtcdRecordCodec(options);

        // Give the raw watch a moment to be created on the server before the first put.
        await Task.Delay(200, cancellationToken);
        var interval = Stopwatch.Frequency / putsPerSecond;
        var start = Stopwatch.GetTimestamp();
        for (var i = 0; i < puts; i++)
        {
            var due = start + (i * interval);
            var wait = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), due);
            if (wait > TimeSpan.Zero)
            {
                await Task.Delay(wait, cancellationToken);
            }

            // Each put is a real change: service svc-{i % 20}, one instance whose port encodes i; the key ends with -i.
            var instance = new ServiceInstance
            {
                Service = $"svc{i % Services}",
                Id = $"x-{i}",
                Host = "10.0.0.1",
                Ports = [new ServicePort("http", 1000 + i, "http")],
            };
            var value = codec.EncodeValue(instance);
            sent[i] = Stopwatch.GetTimestamp();
            await writer.PutAsync($"{prefix}svc{i % Services}/x-{i}", value);
        }

        var deadline = Stopwatch.GetTimestamp() + (10 * Stopwatch.Frequency);
        while (Stopwatch.GetTimestamp() < deadline && (Array.IndexOf(viaCatalog, 0L) >= 0 || Array.IndexOf(viaRegistry, 0L) >= 0 || Array.IndexOf(viaRaw, 0L) >= 0))
        {
            await Task.Delay(20, cancellationToken);
        }

        await stop.CancelAsync();
        await Task.WhenAll(feed, consume);
        return new EtcdLatencyReport(
            puts,
            putsPerSecond,
            LatencyFigures.From("adapter: put -> MeshCatalog.WatchAsync batch", Latencies(sent, viaCatalog)),
            LatencyFigures.From("adapter: put -> registry ServiceChangedEvent", Latencies(sent, viaRegistry)),
            LatencyFigures.From("raw dotnet-etcd watch: put -> callback", Latencies(sent, viaRaw)));
    }

    private static void Stamp(long[] seen, IEnumerable<int> indexes, int puts)
    {
        var now = Stopwatch.GetTimestamp();
        foreach (var i in indexes)
        {
            if (i >= 0 && i < puts && Volatile.Read(ref seen[i]) == 0)
            {
                Volatile.Write(ref seen[i], now);
            }
        }
    }

    private static List<double> Latencies(long[] sent, long[] seen) =>
        [.. sent.Zip(seen).Where(p => p.Second != 0).Select(p => Stopwatch.GetElapsedTime(p.First, p.Second).TotalMilliseconds)];
}
