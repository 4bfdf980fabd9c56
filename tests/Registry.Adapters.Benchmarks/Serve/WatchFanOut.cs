using System.Diagnostics;
using System.Globalization;
using Registry.Adapters.Benchmarks.Catalog;
using Registry.Adapters.Sync.Serve;

namespace Registry.Adapters.Benchmarks.Serve;

/// <summary>
/// A catalog (change quiet period 0) served by <see cref="ServeHost"/>, <c>N</c> <c>/v1/watch</c> SSE clients reading it
/// over loopback, and one direct <see cref="MeshCatalog.WatchAsync"/> subscriber: the catalog's own change notification.
/// <see cref="ChangeAsync"/> applies one service change and returns when the direct subscriber, and when the last SSE
/// client, has the new revision.
/// </summary>
internal sealed class WatchFanOut : IAsyncDisposable
{
    private readonly MeshCatalog _catalog;
    private readonly ServiceChangedEvent _up;
    private readonly ServiceChangedEvent _down;
    private readonly List<Reader> _clients = [];
    private readonly Reader _direct = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _loops = [];
    private ServeHost? _host;
    private HttpClient? _http;
    private Probe? _sse;
    private Probe? _own;
    private int _round;
    private bool _flip;

    private WatchFanOut(MeshCatalog catalog, ServiceChangedEvent up, ServiceChangedEvent down) => (_catalog, _up, _down) = (catalog, up, down);

    /// <summary>Starts the catalog (1,000 services of one instance), the direct subscriber and, when <paramref name="clients"/> &gt; 0, the server and its SSE clients.</summary>
    public static async Task<WatchFanOut> StartAsync(int clients)
    {
        var catalog = new MeshCatalog(new MeshOptions { ChangeQuietPeriod = TimeSpan.Zero });
        catalog.AddRegistry("registry-0", "memory", 0);
        catalog.Apply("registry-0", CatalogData.Snapshot(0, 1_000, 1));
        var name = CatalogData.ServiceName(500);
        var fanOut = new WatchFanOut(
            catalog,
            new ServiceChangedEvent(name, [CatalogData.Instance(name, 0, 500)], "2"),
            new ServiceChangedEvent(name, [CatalogData.Instance(name, 0, 500, HealthStatus.Unhealthy)], "3"));
        var subscribed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        fanOut._loops.Add(Task.Run(() => fanOut.DirectAsync(subscribed)));
        await subscribed.Task;
        if (clients > 0)
        {
            fanOut._host = await ServeHost.StartAsync(catalog, new ServeSettings { Listen = ListenAddress.Parse("127.0.0.1:0") }, logging: null, CancellationToken.None);
            fanOut._http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = clients + 8 }) { BaseAddress = fanOut._host.Address, Timeout = Timeout.InfiniteTimeSpan };
            var connected = new List<Task>();
            for (var i = 0; i < clients; i++)
            {
                var reader = new Reader();
                var open = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                fanOut._clients.Add(reader);
                fanOut._loops.Add(Task.Run(() => fanOut.ClientAsync(reader, open)));
                connected.Add(open.Task);
            }

            await Task.WhenAll(connected).WaitAsync(TimeSpan.FromSeconds(60));
        }

        // One change everybody has seen: every stream is past its snapshot.
        await fanOut.ChangeAsync();
        return fanOut;
    }

    /// <summary>Applies one change; returns the Stopwatch ticks until the direct subscriber, and the last SSE client, had it.</summary>
    public async Task<(long Own, long LastClient)> ChangeAsync()
    {
        var round = ++_round;
        var own = new Probe(round, 1);
        var sse = new Probe(round, _clients.Count);
        Volatile.Write(ref _own, own);
        Volatile.Write(ref _sse, sse);
        _flip = !_flip;
        var start = Stopwatch.GetTimestamp();
        _catalog.Apply("registry-0", _flip ? _down : _up);
        var revision = _catalog.Current.Revision;
        own.Arm(revision, [_direct]);
        sse.Arm(revision, _clients);
        var ownAt = await own.Done.Task.WaitAsync(TimeSpan.FromSeconds(30)).ConfigureAwait(false);
        var lastAt = _clients.Count == 0 ? ownAt : await sse.Done.Task.WaitAsync(TimeSpan.FromSeconds(30)).ConfigureAwait(false);
        return (ownAt - start, lastAt - start);
    }

    /// <summary>Applies one change and returns once the direct subscriber has it (the SSE clients are not waited for).</summary>
    public async Task OwnOnlyAsync()
    {
        var own = new Probe(++_round, 1);
        Volatile.Write(ref _own, own);
        _flip = !_flip;
        _catalog.Apply("registry-0", _flip ? _down : _up);
        own.Arm(_catalog.Current.Revision, [_direct]);
        await own.Done.Task.WaitAsync(TimeSpan.FromSeconds(30)).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _http?.Dispose();
        if (_host is not null)
        {
            await _host.DisposeAsync();
        }

        await Task.WhenAll(_loops).ContinueWith(static _ => { }, TaskScheduler.Default);
        _catalog.Dispose();
        _stop.Dispose();
    }

    private async Task DirectAsync(TaskCompletionSource subscribed)
    {
        var batches = _catalog.WatchAsync(_stop.Token).GetAsyncEnumerator(_stop.Token);
        await using (batches.ConfigureAwait(false))
        {
            var next = batches.MoveNextAsync();
            subscribed.TrySetResult();
            try
            {
                while (await next.ConfigureAwait(false))
                {
                    Seen(_direct, batches.Current.Revision, Volatile.Read(ref _own));
                    next = batches.MoveNextAsync();
                }
            }
            catch (OperationCanceledException)
            {
            }
        }
    }

    private async Task ClientAsync(Reader reader, TaskCompletionSource open)
    {
        try
        {
            using var response = await _http!.GetAsync("v1/watch", HttpCompletionOption.ResponseHeadersRead, _stop.Token).ConfigureAwait(false);
            response.EnsureSuccessStatusCode();
            using var stream = new StreamReader(await response.Content.ReadAsStreamAsync(_stop.Token).ConfigureAwait(false));
            open.TrySetResult();
            while (await stream.ReadLineAsync(_stop.Token).ConfigureAwait(false) is { } line)
            {
                if (line.StartsWith("id: ", StringComparison.Ordinal))
                {
                    Seen(reader, long.Parse(line.AsSpan(4), NumberStyles.None, CultureInfo.InvariantCulture), Volatile.Read(ref _sse));
                }
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or HttpRequestException or IOException)
        {
            open.TrySetException(ex);
        }
    }

    private static void Seen(Reader reader, long revision, Probe? probe)
    {
        // A full fence on both sides (here and in Probe.Arm): a revision seen while the probe is armed is never missed by both.
        Interlocked.Exchange(ref reader.Seen, revision);
        probe?.Count(reader);
    }

    private sealed class Reader
    {
        public long Seen;
        public int CountedRound;
    }

    private sealed class Probe(int round, int expected)
    {
        private long _target = long.MaxValue;
        private int _remaining = expected;

        public TaskCompletionSource<long> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public void Arm(long revision, IEnumerable<Reader> readers)
        {
            Interlocked.Exchange(ref _target, revision);
            if (Volatile.Read(ref _remaining) == 0)
            {
                Done.TrySetResult(Stopwatch.GetTimestamp());
                return;
            }

            foreach (var reader in readers)
            {
                Count(reader);
            }
        }

        public void Count(Reader reader)
        {
            if (Interlocked.Read(ref reader.Seen) >= Interlocked.Read(ref _target)
                && Interlocked.Exchange(ref reader.CountedRound, round) != round
                && Interlocked.Decrement(ref _remaining) == 0)
            {
                Done.TrySetResult(Stopwatch.GetTimestamp());
            }
        }
    }
}
