using Registry.Adapters.Consul.Tests.Fake;
using Registry.Adapters.Testing;

namespace Registry.Adapters.Consul.Tests;

/// <summary>The shared registry contract against the Consul fake: resync = the index goes backwards (snapshot restore), break = the agent goes down.</summary>
public sealed class ConsulRegistryConformanceTests : ServiceRegistryConformanceTests
{
    private FakeConsulServer _fake = null!;

    public override async Task InitializeAsync() => _fake = await FakeConsulServer.StartAsync();

    public override async Task DisposeAsync() => await _fake.DisposeAsync();

    protected override Task<IServiceRegistry> CreateRegistryAsync() => Task.FromResult<IServiceRegistry>(ConsulTestSupport.CreateRegistry(_fake));

    protected override Task PutAsync(ServiceInstance instance)
    {
        ConsulTestSupport.Put(_fake, instance);
        return Task.CompletedTask;
    }

    protected override Task RemoveAsync(ServiceInstance instance)
    {
        _fake.RemoveService(ConsulTestSupport.NodeOf(instance), instance.Id);
        return Task.CompletedTask;
    }

    // Consul accepts any port number in a catalog registration; the registry skips one out of range.
    protected override Task<bool> PutInvalidAsync(string service, int index)
    {
        var instance = CreateInstance(service, index);
        _fake.PutService(ConsulTestSupport.NodeOf(instance), instance.Host, new FakeServiceSpec(instance.Id, service) { Port = 70000 });
        return Task.FromResult(true);
    }

    protected override Task ForceResyncAsync()
    {
        _fake.ResetIndex();
        return Task.CompletedTask;
    }

    protected override Task BreakAsync() => _fake.StopAsync();

    protected override Task HealAsync() => _fake.StartAsync();
}
