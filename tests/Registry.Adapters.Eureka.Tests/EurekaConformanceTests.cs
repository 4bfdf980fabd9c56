using Registry.Adapters.Testing;

namespace Registry.Adapters.Eureka.Tests;

/// <summary>The conformance suite against the Eureka fake: deltas every 100 ms, resync by a wrong hash code, breakage by 500s.</summary>
public class EurekaConformanceTests : ServiceRegistryConformanceTests
{
    private FakeEurekaServer _server = null!;

    /// <summary>Serve the legacy XStream-JSON shape (single objects, string numbers, <c>overriddenstatus</c>).</summary>
    protected virtual bool LegacyJson => false;

    /// <summary>Break by stopping the server (connections refused) instead of answering 500.</summary>
    protected virtual bool BreakByStopping => false;

    public override async Task InitializeAsync()
    {
        _server = await FakeEurekaServer.StartAsync();
        _server.LegacyJson = LegacyJson;
    }

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

    // Eureka stores the port as a Java int; the registry skips one out of range.
    protected override Task<bool> PutInvalidAsync(string service, int index)
    {
        var instance = CreateInstance(service, index);
        var error = _server.Register(service, FakeEurekaServer.InstanceJson(service, instance.Id, instance.Host, 70000), validate: false);
        return error is null ? Task.FromResult(true) : throw new InvalidOperationException(error);
    }

    protected override Task ForceResyncAsync()
    {
        _server.CorruptNextDeltaHashCodes();
        return Task.CompletedTask;
    }

    protected override Task BreakAsync()
    {
        if (BreakByStopping)
        {
            return _server.StopAsync();
        }

        _server.FailWithStatus = 500;
        return Task.CompletedTask;
    }

    protected override Task HealAsync()
    {
        if (BreakByStopping)
        {
            return _server.RestartAsync();
        }

        _server.FailWithStatus = null;
        return Task.CompletedTask;
    }
}

/// <summary>The suite again over the legacy codec's JSON, with the server stopped and restarted on the same port as the fault.</summary>
public sealed class EurekaLegacyCodecConformanceTests : EurekaConformanceTests
{
    protected override bool LegacyJson => true;

    protected override bool BreakByStopping => true;
}
