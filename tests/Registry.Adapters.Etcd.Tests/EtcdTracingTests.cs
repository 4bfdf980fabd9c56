using System.Diagnostics;
using Registry.Adapters.Testing;
using Shouldly;
using Xunit;
using static Registry.Adapters.Etcd.Tests.EtcdTestData;

namespace Registry.Adapters.Etcd.Tests;

/// <summary>The <c>Registry.Adapters.Etcd</c> activity source against a real etcd, seen by an <see cref="ActivityListener"/>.</summary>
public sealed class EtcdTracingTests(EtcdServerFixture fixture) : IClassFixture<EtcdServerFixture>, IDisposable
{
    private readonly ActivityRecorder _spans = new("Registry.Adapters.Etcd");
    private readonly string _prefix = EtcdServerFixture.UniquePrefix("tracing");
    private readonly string _name = "traced-etcd-" + Guid.NewGuid().ToString("N")[..8];

    public void Dispose() => _spans.Dispose();

    [Fact]
    public async Task ReadAndRegister_Traced_ReadRegisterDeregisterSpansWithServer()
    {
        var options = Options(fixture.Server.ClientUrl, _prefix);
        var server = new Uri(fixture.Server.ClientUrl);
        var instance = Instance("orders", 1);
        await using (var registration = await EtcdRegistryFactory.CreateRegistrar(_name, options).RegisterAsync(instance))
        {
            await using var registry = EtcdRegistryFactory.CreateRegistry(_name, options);
            (await registry.ReadAsync()).Services["orders"].ShouldHaveSingleItem();
        }

        var spans = _spans.Of(_name);
        spans.Select(a => a.OperationName).ShouldBe(["registry.register", "registry.read", "registry.deregister"]);
        spans.ShouldAllBe(a => a.Source.Name == "Registry.Adapters.Etcd" && a.Status == ActivityStatusCode.Unset
            && Equals(a.GetTagItem("registry.kind"), "etcd") && Equals(a.GetTagItem("server.port"), server.Port));
        spans[1].GetTagItem("registry.instances").ShouldBe(1L);
        spans[0].GetTagItem("service.name").ShouldBe("orders");
    }

    [Fact]
    public async Task ReadAsync_ServerGone_SpanIsAnError()
    {
        var options = Options("http://127.0.0.1:1", _prefix, o => o.DialTimeout = TimeSpan.FromSeconds(2));
        await using var registry = EtcdRegistryFactory.CreateRegistry(_name, options);

        await Should.ThrowAsync<RegistryException>(() => registry.ReadAsync());

        _spans.Of(_name).ShouldNotBeEmpty();
        _spans.Of(_name).ShouldAllBe(a => a.Status == ActivityStatusCode.Error && a.GetTagItem("error.type") != null);
    }
}
