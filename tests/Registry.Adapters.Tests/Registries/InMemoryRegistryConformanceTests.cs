using Shouldly;
using Registry.Adapters.Testing;

namespace Registry.Adapters.Tests.Registries;

public sealed class InMemoryRegistryConformanceTests : ServiceRegistryConformanceTests
{
    private InMemoryRegistry _backend = null!;

    public override Task InitializeAsync()
    {
        _backend = new InMemoryRegistry("memory");
        return Task.CompletedTask;
    }

    public override Task DisposeAsync() => _backend.DisposeAsync().AsTask();

    // The in-memory registry is its own backend: every "client" is the same object.
    protected override Task<IServiceRegistry> CreateRegistryAsync() => Task.FromResult<IServiceRegistry>(_backend);

    protected override Task PutAsync(ServiceInstance instance)
    {
        _backend.Set(instance);
        return Task.CompletedTask;
    }

    protected override Task RemoveAsync(ServiceInstance instance)
    {
        _backend.Remove(instance.Service, instance.Id);
        return Task.CompletedTask;
    }

    // The in-memory registry refuses an invalid instance at the door: the caller is told, nothing is skipped later.
    protected override Task<bool> PutInvalidAsync(string service, int index)
    {
        var invalid = CreateInstance(service, index) with { Host = "bad host/" };
        Should.Throw<ArgumentException>(() => _backend.Set(invalid));
        return Task.FromResult(false);
    }

    protected override Task ForceResyncAsync()
    {
        _backend.ForceResync();
        return Task.CompletedTask;
    }

    protected override Task BreakAsync()
    {
        _backend.Fail("simulated outage");
        return Task.CompletedTask;
    }

    protected override Task HealAsync()
    {
        _backend.Recover();
        return Task.CompletedTask;
    }
}
