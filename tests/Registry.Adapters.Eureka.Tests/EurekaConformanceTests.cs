using Registry.Adapters.Testing;

namespace Registry.Adapters.Eureka.Tests;

/// <summary>The conformance suite against the Eureka fake: deltas every 100 ms, resync by a wrong hash code, breakage by 500s.</summary>
public sealed class EurekaConformanceTests : ServiceRegistryConformanceTests
{
    private FakeEurekaServer _server = null!;

    public override async Task InitializeAsync() => _server = await FakeEurekaServer.StartAsync();

    public override async Task DisposeAsync() => await _server.DisposeAsync();

    protected override Task<IServiceRegistry> CreateRegistryAsync()
    {
        var options = new EurekaRegistryOptions { FetchInterval = TimeSpan.FromMilliseconds(100) };
        options.ServiceUrls.Add(_server.BaseUrl);
        return Task.FromResult<IServiceRegistry>(new EurekaServiceRegistry("eureka", options));
    }

    protected override Task PutAsync(ServiceInstance instance)
    {
        var error = _server.Register(instance.Service, FakeEurekaServer.InstanceJson(instance.Service, instance.Id, instance.Host, instance.Ports[0].Port));
        return error is null ? Task.CompletedTask : throw new InvalidOperationException(error);
    }

    protected override Task RemoveAsync(ServiceInstance instance)
    {
        _server.Cancel(instance.Service, instance.Id);
        return Task.CompletedTask;
    }

    protected override Task ForceResyncAsync()
    {
        _server.CorruptNextDeltaHashCodes();
        return Task.CompletedTask;
    }

    protected override Task BreakAsync()
    {
        _server.FailWithStatus = 500;
        return Task.CompletedTask;
    }

    protected override Task HealAsync()
    {
        _server.FailWithStatus = null;
        return Task.CompletedTask;
    }
}
