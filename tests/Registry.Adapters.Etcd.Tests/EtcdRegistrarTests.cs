using Registry.Adapters.Testing;
using Shouldly;
using Xunit;
using static Registry.Adapters.Etcd.Tests.EtcdTestData;

namespace Registry.Adapters.Etcd.Tests;

/// <summary>Registration under a lease against a dedicated etcd (some tests restart it).</summary>
public sealed class EtcdRegistrarTests : IAsyncLifetime
{
    private readonly string _prefix = EtcdServerFixture.UniquePrefix("registrar");
    private EtcdServer _server = null!;
    private EtcdTestClient _client = null!;

    public async Task InitializeAsync()
    {
        _server = await EtcdServer.StartAsync();
        _client = await EtcdTestClient.ConnectAsync(_server);
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _server.DisposeAsync();
    }

    [Fact]
    public async Task RegisterAsync_PutsInstanceUnderLease_DisposeDeletesItAndRevokesTheLease()
    {
        var instance = Instance("orders", 1);
        var registrar = Registrar();

        var registration = await registrar.RegisterAsync(instance);

        var response = await _client.GetPrefixAsync($"{_prefix}orders/");
        var kv = response.Kvs.ShouldHaveSingleItem();
        kv.Key.ToStringUtf8().ShouldBe($"{_prefix}orders/orders-1");
        kv.Lease.ShouldBe(((EtcdServiceRegistration)registration).LeaseId);
        kv.Lease.ShouldNotBe(0);
        await using (var registry = NewRegistry(_server.ClientUrl, _prefix))
        {
            (await registry.ReadAsync()).Services["orders"].ShouldHaveSingleItem().ShouldBe(instance);
        }

        var lease = kv.Lease;
        await registration.DisposeAsync();

        (await _client.GetAsync($"{_prefix}orders/orders-1")).ShouldBeNull();
        var ttl = await _client.Connection.Lease.LeaseTimeToLiveAsync(new Etcdserverpb.LeaseTimeToLiveRequest { ID = lease });
        ttl.TTL.ShouldBe(-1, "the lease is revoked");
    }

    [Fact]
    public async Task Watch_LeaseExpires_InstanceIsRemoved()
    {
        var instance = Instance("orders", 1);
        var lease = await _client.GrantAsync(2);
        await _client.PutAsync($"{_prefix}orders/orders-1", MeshJson(instance), lease);
        await using var registry = NewRegistry(_server.ClientUrl, _prefix);
        await using var recorder = new WatchRecorder(registry);
        await recorder.WaitForViewAsync(v => v.ContainsKey("orders"), Wait, "the leased instance");

        var removed = await recorder.WaitForEventAsync<ServiceChangedEvent>(c => c.Service == "orders" && c.Instances.Count == 0, Wait, "removal when the lease expires");

        removed.Revision.ShouldNotBeNull();
        (await _client.GetAsync($"{_prefix}orders/orders-1")).ShouldBeNull();
    }

    [Fact]
    public async Task Registration_LeaseRevokedFromOutside_IsReGrantedAndPutAgain()
    {
        var instance = Instance("orders", 1);
        await using var registration = await Registrar().RegisterAsync(instance);
        var first = ((EtcdServiceRegistration)registration).LeaseId;

        await _client.RevokeAsync(first);

        await WaitUntilAsync(async () => registration.Reregistrations == 1 && await _client.GetAsync($"{_prefix}orders/orders-1") is not null, "the instance is back under a new lease");
        ((EtcdServiceRegistration)registration).LeaseId.ShouldNotBe(first);
    }

    [Fact]
    public async Task Registration_EtcdKilledAndRestarted_InstanceComesBack()
    {
        var instance = Instance("orders", 1);
        await using var registration = await Registrar().RegisterAsync(instance);
        await using var registry = NewRegistry(_server.ClientUrl, _prefix);
        await using var recorder = new WatchRecorder(registry);
        await recorder.WaitForViewAsync(v => v.ContainsKey("orders"), Wait, "registered");

        await _server.KillAsync();
        await _server.RestartAsync();

        // The lease survives a restart of the same data; the keep-alive reconnects and keeps it.
        await WaitUntilAsync(async () => await _client.GetAsync($"{_prefix}orders/orders-1") is not null, "the instance is in etcd after the restart");
        await recorder.WaitForViewAsync(v => v.ContainsKey("orders"), Wait, "the watch sees it after the restart");

        // A rebuilt etcd has lost the lease and the key: the registrar re-grants and re-puts.
        await _server.RestartAsync(wipeData: true);
        _client.Dispose();
        _client = await EtcdTestClient.ConnectAsync(_server);
        await WaitUntilAsync(async () => await _client.GetAsync($"{_prefix}orders/orders-1") is not null, "the instance is back in the rebuilt etcd");
        registration.Reregistrations.ShouldBe(1);
    }

    [Fact]
    public async Task SetHealthAsync_PutsTheNewHealth()
    {
        await using var registry = NewRegistry(_server.ClientUrl, _prefix);
        await using var recorder = new WatchRecorder(registry);
        await using var registration = await Registrar().RegisterAsync(Instance("orders", 1));
        await recorder.WaitForViewAsync(v => v.ContainsKey("orders"), Wait, "registered");

        await registration.SetHealthAsync(HealthStatus.Draining);

        await recorder.WaitForViewAsync(v => v["orders"][0].Health == HealthStatus.Draining, Wait, "draining");
        registration.Instance.Health.ShouldBe(HealthStatus.Draining);
        (await _client.GetAsync($"{_prefix}orders/orders-1"))!.ShouldContain("\"health\":\"draining\"");
    }

    [Fact]
    public async Task RegisterAsync_EtcdUnreachable_ThrowsRegistryException()
    {
        var options = Options("http://127.0.0.1:1", _prefix, o => o.DialTimeout = TimeSpan.FromSeconds(2));

        var ex = await Should.ThrowAsync<RegistryException>(() => EtcdRegistryFactory.CreateRegistrar("etcd", options).RegisterAsync(Instance("orders", 1)));

        ex.Message.ShouldContain("127.0.0.1:1");
    }

    private IServiceRegistrar Registrar() =>
        EtcdRegistryFactory.CreateRegistrar("etcd", Options(_server.ClientUrl, _prefix, o => o.LeaseTtl = TimeSpan.FromSeconds(3)));

    private static async Task WaitUntilAsync(Func<Task<bool>> condition, string because)
    {
        var deadline = DateTime.UtcNow + Wait;
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                if (await condition())
                {
                    return;
                }
            }
            catch (Grpc.Core.RpcException)
            {
            }

            await Task.Delay(100);
        }

        throw new Xunit.Sdk.XunitException($"Timed out waiting for: {because}");
    }
}
