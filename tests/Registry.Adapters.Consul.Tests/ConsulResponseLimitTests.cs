using Registry.Adapters.Consul.Tests.Fake;
using Registry.Adapters.Testing;
using Shouldly;
using Xunit;

namespace Registry.Adapters.Consul.Tests;

public sealed class ConsulResponseLimitTests : IAsyncLifetime
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(15);
    private FakeConsulServer _fake = null!;

    public async Task InitializeAsync() => _fake = await FakeConsulServer.StartAsync();

    public async Task DisposeAsync() => await _fake.DisposeAsync();

    private static ServiceInstance Web(int n) => new()
    {
        Service = "web",
        Id = $"web-{n}",
        Host = $"10.3.0.{n}",
        Ports = [new ServicePort("http", 8080, "http")],
    };

    [Theory]
    [InlineData(FakeConsulFaultKind.Oversized)]
    [InlineData(FakeConsulFaultKind.OversizedChunked)]
    public async Task ReadAsync_BodyOverMaxResponseBytes_ThrowsRegistryException(FakeConsulFaultKind kind)
    {
        _fake.EnqueueFault("/v1/catalog/services", new FakeConsulFault(kind));
        await using var registry = ConsulTestSupport.CreateRegistry(_fake, o => o.MaxResponseBytes = 1024);

        var ex = await Should.ThrowAsync<RegistryException>(() => registry.ReadAsync());

        ex.Message.ShouldContain("MaxResponseBytes");
        ex.Message.ShouldContain("1024");
        ex.IsPermanent.ShouldBeFalse();
    }

    [Fact]
    public async Task ReadAsync_DeclaredLengthOverMaxResponseBytes_IsRejectedBeforeReading()
    {
        // The fake declares 1 MiB, sends two bytes and holds: only the header check names the declared size.
        _fake.EnqueueFault("/v1/catalog/services", FakeConsulFault.DeclaredOversized);
        await using var registry = ConsulTestSupport.CreateRegistry(_fake, o => o.MaxResponseBytes = 1024);

        var ex = await Should.ThrowAsync<RegistryException>(() => registry.ReadAsync());

        ex.Message.ShouldContain("declares 1048576 bytes");
        ex.Message.ShouldContain("MaxResponseBytes");
    }

    [Theory]
    [InlineData(FakeConsulFaultKind.Oversized)]
    [InlineData(FakeConsulFaultKind.OversizedChunked)]
    public async Task ReadAsync_BodyWithinMaxResponseBytes_IsRead(FakeConsulFaultKind kind)
    {
        _fake.EnqueueFault("/v1/catalog/services", new FakeConsulFault(kind));
        await using var registry = ConsulTestSupport.CreateRegistry(_fake, o => o.MaxResponseBytes = 64 * 1024);

        var view = await registry.ReadAsync();

        view.Services.ShouldBeEmpty();
    }

    [Fact]
    public async Task Watch_OversizedBody_RetriesWithBackoffThenRecovers()
    {
        ConsulTestSupport.Put(_fake, Web(1));
        await using var registry = ConsulTestSupport.CreateRegistry(_fake, o => o.MaxResponseBytes = 16 * 1024);
        await using var recorder = new WatchRecorder(registry);
        await recorder.WaitForViewAsync(v => v.ContainsKey("web"), Timeout, "web");

        _fake.EnqueueFault("/v1/health/service/web", FakeConsulFault.OversizedChunked);
        ConsulTestSupport.Put(_fake, Web(2));

        var retrying = await recorder.WaitForEventAsync<RegistryStateEvent>(s => s.State == RegistryConnectionState.Retrying, Timeout, "an oversized body is a retried fault");
        retrying.Error.ShouldNotBeNull().ShouldContain("MaxResponseBytes");
        retrying.RetryIn.ShouldNotBeNull();
        await recorder.WaitForViewAsync(v => v["web"].Count == 2, Timeout, "the change arrives after the fault");
        recorder.Fault.ShouldBeNull();
    }
}
