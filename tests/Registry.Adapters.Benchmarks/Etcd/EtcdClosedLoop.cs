using System.Threading.Channels;
using Registry.Adapters.Etcd;
using Registry.Adapters.Etcd.Tests;

namespace Registry.Adapters.Benchmarks.Etcd;

/// <summary>One put at a time through etcd → registry → <see cref="MeshCatalog"/>, awaiting the catalog's change batch.</summary>
internal sealed class EtcdClosedLoop : IAsyncDisposable
{
    private readonly EtcdServer _server;
    private readonly IServiceRegistry _registry;
    private readonly MeshCatalog _catalog;
    private readonly EtcdTestClient _writer;
    private readonly EtcdRecordCodec _codec;
    private readonly CancellationTokenSource _stop = new();
    private readonly Channel<int> _seen = Channel.CreateUnbounded<int>();
    private readonly string _prefix;
    private readonly Task _feed;
    private readonly Task _consume;
    private int _next;

    private EtcdClosedLoop(EtcdServer server, EtcdTestClient writer)
    {
        _server = server;
        _writer = writer;
        _prefix = $"/bench/loop-{Guid.NewGuid():N}/";
        var options = new EtcdRegistryOptions { Prefix = _prefix };
        options.Endpoints.Add(server.ClientUrl);
        _codec = new EtcdRecordCodec(options);
        _registry = EtcdRegistryFactory.CreateRegistry("etcd", options);
        _catalog = new MeshCatalog(new MeshOptions { ChangeQuietPeriod = TimeSpan.Zero, ChangeMaxDelay = TimeSpan.Zero });
        _catalog.AddRegistry("etcd", "etcd", 0);
        _feed = Task.Run(FeedAsync);
        var changes = _catalog.WatchAsync(_stop.Token);
        _consume = Task.Run(async () =>
        {
            try
            {
                await foreach (var batch in changes)
                {
                    foreach (var change in batch.Changes)
                    {
                        if (change.Service.Instances.Length > 0)
                        {
                            _seen.Writer.TryWrite(change.Service.Instances[0].Instance.Ports[0].Port);
                        }
                    }
                }
            }
            catch (OperationCanceledException)
            {
            }
        });
    }

    public static async Task<EtcdClosedLoop> StartAsync()
    {
        var server = await EtcdServer.StartAsync();
        var loop = new EtcdClosedLoop(server, await EtcdTestClient.ConnectAsync(server));
        await loop._catalog.WaitForInitialSyncAsync();
        return loop;
    }

    /// <summary>Puts a changed instance and waits until the catalog reports it.</summary>
    public async Task PutAndWaitAsync()
    {
        var port = 1000 + (Interlocked.Increment(ref _next) % 60000);
        var instance = new ServiceInstance { Service = "loop", Id = "x", Host = "10.0.0.1", Ports = [new ServicePort("http", port, "http")] };
        await _writer.PutAsync($"{_prefix}loop/x", _codec.EncodeValue(instance));
        while (await _seen.Reader.ReadAsync() != port)
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await Task.WhenAll(_feed, _consume);
        await _registry.DisposeAsync();
        _catalog.Dispose();
        _writer.Dispose();
        await _server.DisposeAsync();
    }

    private async Task FeedAsync()
    {
        try
        {
            await foreach (var item in _registry.WatchAsync(_stop.Token))
            {
                _catalog.Apply("etcd", item);
            }
        }
        catch (OperationCanceledException)
        {
        }
    }
}
