using System.Globalization;
using Etcdserverpb;
using Registry.Adapters.Testing;

namespace Registry.Adapters.Etcd.Tests;

/// <summary>
/// The registrar contract against a real etcd (its own server, with <c>--max-request-bytes</c> small enough that a put of
/// a large instance fails after its lease was granted). The registrar reaches etcd through a <see cref="TcpProxy"/> so
/// that a test can take it down; keep-alives and leases are counted from etcd's own metrics.
/// </summary>
public sealed class EtcdRegistrarConformanceTests(EtcdRegistrarConformanceTests.Server fixture)
    : ServiceRegistrarConformanceTests, Xunit.IClassFixture<EtcdRegistrarConformanceTests.Server>
{
    private const int MaxRequestBytes = 8192;
    private readonly string _prefix = EtcdServerFixture.UniquePrefix("registrar");
    private TcpProxy _proxy = null!;
    private EtcdTestClient _client = null!;
    private long _grantedAtArrange;

    protected override TimeSpan KeepAliveInterval => TimeSpan.FromSeconds(10);

    public override async Task InitializeAsync()
    {
        _client = await EtcdTestClient.ConnectAsync(fixture.Etcd);
        _proxy = new TcpProxy(fixture.Etcd.ClientPort);

        // Each test starts without leases, so that "etcd holds nothing of the instance" can count them.
        foreach (var lease in (await _client.Connection.Lease.LeaseLeasesAsync(new LeaseLeasesRequest(), _client.Connection.Headers)).Leases)
        {
            await _client.RevokeAsync(lease.ID);
        }
    }

    public override async Task DisposeAsync()
    {
        await DisposeOwnedAsync();
        await _proxy.DisposeAsync();
        _client.Dispose();
    }

    protected override IServiceRegistrar CreateRegistrar() =>
        EtcdRegistryFactory.CreateRegistrar("etcd", EtcdTestData.Options(_proxy.Url, _prefix, o =>
        {
            o.LeaseTtl = TimeSpan.FromSeconds(30);
            o.DialTimeout = TimeSpan.FromSeconds(2);
        }), LoggerFactory, Time);

    protected override IServiceRegistry CreateRegistry() => EtcdTestData.NewRegistry(fixture.Etcd.ClientUrl, _prefix);

    protected override Task<long> ServerKeepAlivesAsync(ServiceInstance instance) => MetricAsync("etcd_debugging_lease_renewed_total");

    protected override async Task<bool> ServerHoldsAsync(ServiceInstance instance) =>
        await _client.GetAsync(Key(instance)) is not null
        || (await _client.Connection.Lease.LeaseLeasesAsync(new LeaseLeasesRequest(), _client.Connection.Headers)).Leases.Count > 0;

    protected override async Task LoseRecordAsync(ServiceInstance instance)
    {
        var kv = (await _client.GetPrefixAsync(Key(instance))).Kvs.Single();
        await _client.RevokeAsync(kv.Lease);
    }

    protected override Task TakeDownAsync()
    {
        _proxy.Pause();
        return Task.CompletedTask;
    }

    protected override Task BringUpAsync()
    {
        _proxy.Resume();
        return Task.CompletedTask;
    }

    protected override async Task<ServiceInstance> ArrangeStartFailingAfterFirstWriteAsync(ServiceInstance instance)
    {
        _grantedAtArrange = await MetricAsync("etcd_debugging_lease_granted_total");
        var large = new string('x', ServiceInstanceValidator.MaxMetadataValueLength);
        var metadata = Enumerable.Range(0, (MaxRequestBytes / large.Length) + 1).ToDictionary(i => $"blob{i}", _ => large);
        return instance with { Metadata = metadata };
    }

    protected override async Task<bool> FirstWriteReachedServerAsync(ServiceInstance instance) =>
        await MetricAsync("etcd_debugging_lease_granted_total") > _grantedAtArrange;

    private string Key(ServiceInstance instance) => $"{_prefix}{instance.Service}/{instance.Id}";

    private async Task<long> MetricAsync(string name)
    {
        using var http = new HttpClient();
        var text = await http.GetStringAsync($"http://127.0.0.1:{fixture.Etcd.MetricsPort}/metrics");
        var line = text.Split('\n').Single(l => l.StartsWith(name + " ", StringComparison.Ordinal));
        return (long)double.Parse(line[(name.Length + 1)..], CultureInfo.InvariantCulture);
    }

    /// <summary>The etcd of this class.</summary>
    public sealed class Server : Xunit.IAsyncLifetime
    {
        private EtcdServer? _etcd;

        public EtcdServer Etcd => _etcd ?? throw new InvalidOperationException("etcd did not start.");

        public async Task InitializeAsync() => _etcd = await EtcdServer.StartAsync(null, "--max-request-bytes", MaxRequestBytes.ToString(CultureInfo.InvariantCulture));

        public async Task DisposeAsync()
        {
            if (_etcd is not null)
            {
                await _etcd.DisposeAsync();
            }
        }
    }
}
