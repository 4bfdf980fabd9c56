using Registry.Adapters.Testing;
using Xunit;

namespace Registry.Adapters.Etcd.Tests;

/// <summary>
/// The conformance suite against a real etcd. The registry dials through a <see cref="TcpProxy"/>: a forced resync cuts
/// it off, writes and compacts the history past its revision, and lets it back in, so its watch resumes into a
/// compacted revision (etcd's canceled + compact_revision). Break stops etcd; Heal restarts it on the same data.
/// </summary>
public sealed class EtcdConformanceTests(EtcdServerFixture fixture) : ServiceRegistryConformanceTests, IClassFixture<EtcdServerFixture>
{
    private readonly string _prefix = EtcdServerFixture.UniquePrefix("conformance");
    private readonly List<IServiceRegistry> _registries = [];
    private TcpProxy _proxy = null!;
    private EtcdTestClient _client = null!;
    private EtcdRecordCodec _codec = null!;

    public override async Task InitializeAsync()
    {
        if (!fixture.Server.IsRunning)
        {
            await fixture.Server.RestartAsync();
        }

        _proxy = new TcpProxy(fixture.Server.ClientPort);
        _client = await EtcdTestClient.ConnectAsync(fixture.Server);
        _codec = new EtcdRecordCodec(fixture.Server.ClientOptions(_prefix));
    }

    public override async Task DisposeAsync()
    {
        foreach (var registry in _registries)
        {
            await registry.DisposeAsync();
        }

        _client.Dispose();
        await _proxy.DisposeAsync();
        if (!fixture.Server.IsRunning)
        {
            await fixture.Server.RestartAsync();
        }
    }

    protected override Task<IServiceRegistry> CreateRegistryAsync()
    {
        var options = new EtcdRegistryOptions { Prefix = _prefix, Reconnect = { InitialDelay = TimeSpan.FromMilliseconds(100), MaxDelay = TimeSpan.FromSeconds(1) } };
        options.Endpoints.Add(_proxy.Url);
        var registry = EtcdRegistryFactory.CreateRegistry("etcd", options);
        _registries.Add(registry);
        return Task.FromResult(registry);
    }

    protected override async Task PutAsync(ServiceInstance instance) =>
        await _client.PutAsync(_prefix + instance.Service + "/" + instance.Id, System.Text.Encoding.UTF8.GetString(_codec.EncodeValue(instance)));

    protected override async Task RemoveAsync(ServiceInstance instance) =>
        await _client.DeleteAsync(_prefix + instance.Service + "/" + instance.Id);

    // etcd holds any bytes; the registry skips a value that is not an instance.
    protected override async Task<bool> PutInvalidAsync(string service, int index)
    {
        await _client.PutAsync(_prefix + service + "/" + CreateInstance(service, index).Id, "{ \"host\": ");
        return true;
    }

    protected override async Task ForceResyncAsync()
    {
        _proxy.Pause();
        await _client.CompactAsync();
        _proxy.Resume();
    }

    protected override Task BreakAsync() => fixture.Server.StopAsync();

    protected override Task HealAsync() => fixture.Server.RestartAsync();
}
