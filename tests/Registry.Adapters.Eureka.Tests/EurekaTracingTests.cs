using System.Diagnostics;
using Registry.Adapters.Testing;
using Shouldly;
using Xunit;

namespace Registry.Adapters.Eureka.Tests;

/// <summary>The <c>Registry.Adapters.Eureka</c> activity source, seen by an <see cref="ActivityListener"/>.</summary>
public sealed class EurekaTracingTests : IAsyncLifetime
{
    private readonly ActivityRecorder _spans = new("Registry.Adapters.Eureka");
    private readonly string _name = "traced-eureka-" + Guid.NewGuid().ToString("N")[..8];
    private FakeEurekaServer _server = null!;

    public async Task InitializeAsync() => _server = await FakeEurekaServer.StartAsync();

    public async Task DisposeAsync()
    {
        _spans.Dispose();
        await _server.DisposeAsync();
    }

    private EurekaRegistryOptions Options()
    {
        var options = new EurekaRegistryOptions { FetchInterval = TimeSpan.FromMilliseconds(100) };
        options.ServiceUrls.Add(_server.BaseUrl);
        return options;
    }

    [Fact]
    public async Task Watch_Traced_ReadSpanPerFetchWithServer()
    {
        _server.Register("ORDERS", FakeEurekaServer.InstanceJson("ORDERS", "o1", "10.0.0.1", 8080)).ShouldBeNull();
        await using var registry = new EurekaServiceRegistry(_name, Options());
        await using var recorder = new WatchRecorder(registry);
        await recorder.WaitForViewAsync(v => v.ContainsKey("ORDERS"), TimeSpan.FromSeconds(15), "orders");

        var span = await _spans.WaitForAsync(_name, a => a.OperationName == "registry.read", TimeSpan.FromSeconds(15));
        span.Source.Name.ShouldBe("Registry.Adapters.Eureka");
        span.Kind.ShouldBe(ActivityKind.Client);
        span.GetTagItem("registry.kind").ShouldBe("eureka");
        span.GetTagItem("server.address").ShouldBe("127.0.0.1");
        span.GetTagItem("server.port").ShouldBe(_server.Port);
        span.Status.ShouldBe(ActivityStatusCode.Unset);
    }

    [Fact]
    public async Task ReadAsync_ServerFails_SpanIsAnError()
    {
        _server.FailWithStatus = 500;
        await using var registry = new EurekaServiceRegistry(_name, Options());

        await Should.ThrowAsync<RegistryException>(() => registry.ReadAsync());

        var span = _spans.Of(_name).ShouldHaveSingleItem();
        span.Status.ShouldBe(ActivityStatusCode.Error);
        span.GetTagItem("error.type").ShouldBe(typeof(RegistryException).FullName);
    }

    [Fact]
    public async Task Register_Traced_RegisterAndDeregisterSpans()
    {
        var id = "billing-" + Guid.NewGuid().ToString("N")[..8];
        var registrar = new EurekaServiceRegistrar("eureka", Options());
        var instance = new ServiceInstance { Service = "billing", Id = id, Host = "billing-host", Ports = [new ServicePort("http", 8080, "http")] };

        var registration = await registrar.RegisterAsync(instance);
        await registration.DisposeAsync();

        var spans = _spans.Of("eureka").Where(a => Equals(a.GetTagItem("registry.instance.id"), id)).ToList();
        spans.Select(a => a.OperationName).ShouldBe(["registry.register", "registry.deregister"]);
        spans.ShouldAllBe(a => Equals(a.GetTagItem("service.name"), "billing") && Equals(a.GetTagItem("server.port"), _server.Port));
    }
}
