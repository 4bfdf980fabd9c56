using System.Diagnostics;
using Registry.Adapters.Consul.Tests.Fake;
using Registry.Adapters.Testing;
using Shouldly;
using Xunit;

namespace Registry.Adapters.Consul.Tests;

/// <summary>The <c>Registry.Adapters.Consul</c> activity source, seen by an <see cref="ActivityListener"/>.</summary>
public sealed class ConsulTracingTests : IAsyncLifetime
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(15);
    private readonly ActivityRecorder _spans = new("Registry.Adapters.Consul");
    private readonly string _name = "traced-consul-" + Guid.NewGuid().ToString("N")[..8];
    private FakeConsulServer _fake = null!;

    public async Task InitializeAsync() => _fake = await FakeConsulServer.StartAsync();

    public async Task DisposeAsync()
    {
        _spans.Dispose();
        await _fake.DisposeAsync();
    }

    private static ServiceInstance Instance(string id) => new()
    {
        Service = "orders",
        Id = id,
        Host = "10.5.0.1",
        Ports = [new ServicePort("http", 8080, "http")],
    };

    [Fact]
    public async Task Watch_Traced_ReadSpanPerQueryWithServerAndService()
    {
        ConsulTestSupport.Put(_fake, Instance("orders-1"));
        await using var registry = ConsulTestSupport.CreateRegistry(_fake, name: _name);
        await using var recorder = new WatchRecorder(registry);
        await recorder.WaitForViewAsync(v => v.ContainsKey("orders"), Wait, "orders");

        var catalog = await _spans.WaitForAsync(_name, a => a.OperationName == "registry.read" && a.GetTagItem("service.name") is null, Wait);
        var health = await _spans.WaitForAsync(_name, a => a.OperationName == "registry.read" && Equals(a.GetTagItem("service.name"), "orders"), Wait);
        foreach (var span in new[] { catalog, health })
        {
            span.Source.Name.ShouldBe("Registry.Adapters.Consul");
            span.Kind.ShouldBe(ActivityKind.Client);
            span.GetTagItem("registry.kind").ShouldBe("consul");
            span.GetTagItem("server.address").ShouldBe("127.0.0.1");
            span.GetTagItem("server.port").ShouldBe(_fake.Address.Port);
            span.GetTagItem("consul.index").ShouldBeOfType<long>().ShouldBeGreaterThan(0);
            span.Status.ShouldBe(ActivityStatusCode.Unset);
        }
    }

    [Fact]
    public async Task ReadAsync_Denied_SpanIsAnErrorWithTypeAndNoSecret()
    {
        const string wrong = "wrong-token-for-the-span-0123";
        _fake.AclToken = "the-right-token";
        await using var registry = ConsulTestSupport.CreateRegistry(_fake, o => o.Token = wrong, name: _name);

        await Should.ThrowAsync<RegistryException>(() => registry.ReadAsync());

        var span = _spans.Of(_name).ShouldHaveSingleItem();
        span.OperationName.ShouldBe("registry.read");
        span.Status.ShouldBe(ActivityStatusCode.Error);
        span.GetTagItem("error.type").ShouldBe("permanent");
        span.StatusDescription.ShouldNotBeNull().ShouldContain("ACL not found");
        span.StatusDescription.ShouldNotContain(wrong);
    }

    [Fact]
    public async Task Register_Traced_RegisterAndDeregisterSpans()
    {
        var id = "orders-" + Guid.NewGuid().ToString("N")[..8];
        using var registrar = ConsulTestSupport.CreateRegistrar(_fake);

        var registration = await registrar.RegisterAsync(Instance(id));
        await registration.DisposeAsync();

        var spans = _spans.Of("consul").Where(a => Equals(a.GetTagItem("registry.instance.id"), id)).ToList();
        spans.Select(a => a.OperationName).ShouldBe(["registry.register", "registry.deregister"]);
        spans.ShouldAllBe(a => Equals(a.GetTagItem("service.name"), "orders") && Equals(a.GetTagItem("server.port"), _fake.Address.Port) && a.Status == ActivityStatusCode.Unset);
    }
}
