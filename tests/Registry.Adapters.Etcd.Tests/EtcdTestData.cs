using System.Text;
using Etcdserverpb;
using Google.Protobuf;
using Registry.Adapters.Testing;

namespace Registry.Adapters.Etcd.Tests;

/// <summary>Helpers shared by the etcd tests.</summary>
public static class EtcdTestData
{
    public static readonly TimeSpan Wait = TimeSpan.FromSeconds(20);

    public static ServiceInstance Instance(string service, int index, HealthStatus health = HealthStatus.Healthy) => new()
    {
        Service = service,
        Id = $"{service}-{index}",
        Host = $"10.1.{index / 250}.{(index % 250) + 1}",
        Ports = [new ServicePort("http", 8000 + index, "http")],
        Health = health,
    };

    public static string MeshJson(ServiceInstance instance) =>
        Encoding.UTF8.GetString(JsonValue(instance));

    public static byte[] JsonValue(ServiceInstance instance) =>
        new EtcdRecordCodec(new EtcdRegistryOptions()).EncodeValue(instance);

    public static EtcdRegistryOptions Options(string url, string prefix, Action<EtcdRegistryOptions>? configure = null)
    {
        var options = new EtcdRegistryOptions
        {
            Prefix = prefix,
            Reconnect = { InitialDelay = TimeSpan.FromMilliseconds(100), MaxDelay = TimeSpan.FromSeconds(1) },
        };
        options.Endpoints.Add(url);
        configure?.Invoke(options);
        return options;
    }

    internal static EtcdServiceRegistry NewRegistry(string url, string prefix, Action<EtcdRegistryOptions>? configure = null, Microsoft.Extensions.Logging.ILoggerFactory? logs = null) =>
        (EtcdServiceRegistry)EtcdRegistryFactory.CreateRegistry("etcd", Options(url, prefix, configure), logs);

    /// <summary>Puts many keys with few round trips (transactions of 100 puts).</summary>
    public static async Task PutManyAsync(EtcdTestClient client, IEnumerable<(string Key, string Value)> items)
    {
        foreach (var chunk in items.Chunk(100))
        {
            var txn = new TxnRequest();
            foreach (var (key, value) in chunk)
            {
                txn.Success.Add(new RequestOp { RequestPut = new PutRequest { Key = ByteString.CopyFromUtf8(key), Value = ByteString.CopyFromUtf8(value) } });
            }

            await client.Connection.Kv.TxnAsync(txn, client.Connection.Headers);
        }
    }

    /// <summary>What etcd holds under a prefix, decoded as the registry would (valid records only), as host:port keys per service.</summary>
    public static async Task<Dictionary<string, string[]>> EtcdViewAsync(EtcdTestClient client, string prefix)
    {
        var codec = new EtcdRecordCodec(new EtcdRegistryOptions { Prefix = prefix });
        var response = await client.GetPrefixAsync(prefix);
        return response.Kvs
            .Select(kv => codec.Decode(kv.Key.Span, kv.Value.Span).Instance)
            .OfType<ServiceInstance>()
            .GroupBy(i => i.Service)
            .ToDictionary(g => g.Key, g => g.Select(Key).Order().ToArray());
    }

    public static Dictionary<string, string[]> Flatten(IReadOnlyDictionary<string, IReadOnlyList<ServiceInstance>> view) =>
        view.Where(p => p.Value.Count > 0).ToDictionary(p => p.Key, p => p.Value.Select(Key).Order().ToArray());

    public static bool SameAs(Dictionary<string, string[]> a, Dictionary<string, string[]> b) =>
        a.Count == b.Count && a.All(p => b.TryGetValue(p.Key, out var other) && other.SequenceEqual(p.Value));

    public static string Key(ServiceInstance instance) => $"{instance.Host}:{instance.Ports[0].Port}";

    public static string Describe(WatchRecorder recorder) => string.Join(" | ", recorder.Events.Select(WatchRecorder.Describe));
}
