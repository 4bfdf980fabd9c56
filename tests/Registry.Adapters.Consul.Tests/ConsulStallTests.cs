using Registry.Adapters.Consul.Tests.Fake;
using Registry.Adapters.Testing;
using Shouldly;
using Xunit;

namespace Registry.Adapters.Consul.Tests;

/// <summary>A server (or proxy) that sends the headers of a blocking query's answer and then stalls the body.</summary>
public sealed class ConsulStallTests : IAsyncLifetime
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);
    private FakeConsulServer _fake = null!;

    public async Task InitializeAsync() => _fake = await FakeConsulServer.StartAsync();

    public async Task DisposeAsync() => await _fake.DisposeAsync();

    private static ServiceInstance Web(int n) => new()
    {
        Service = "web",
        Id = $"web-{n}",
        Host = $"10.5.0.{n}",
        Ports = [new ServicePort("http", 8080, "http")],
    };

    [Fact]
    public async Task Watch_BodyStallsWithinBlockingQueryWait_RetriesAfterBodyIdleTimeoutNotTheWait()
    {
        ConsulTestSupport.Put(_fake, Web(1));

        // The default 5-minute wait stays; only the time between body bytes is short.
        await using var registry = ConsulTestSupport.CreateRegistry(_fake, o => o.BodyIdleTimeout = TimeSpan.FromSeconds(1));
        await using var recorder = new WatchRecorder(registry);
        await recorder.WaitForViewAsync(v => v.ContainsKey("web"), Timeout, "web");

        _fake.EnqueueFault("/v1/health/service/web", FakeConsulFault.StallBody);
        ConsulTestSupport.Put(_fake, Web(2));
        await ConsulTestSupport.WaitUntilAsync(() => _fake.Stalled == 1, "the next blocking query stalls mid-body");
        ConsulTestSupport.Put(_fake, Web(3));

        var retrying = await recorder.WaitForEventAsync<RegistryStateEvent>(s => s.State == RegistryConnectionState.Retrying, Timeout, "the stall becomes a retry");
        retrying.Error.ShouldNotBeNull().ShouldContain("no byte for 1 s (BodyIdleTimeout)");
        await recorder.WaitForViewAsync(v => v["web"].Count == 3, Timeout, "the change made during the stall arrives after the retry");
    }

    [Fact]
    public void Options_BodyIdleTimeoutOutOfRange_RejectedNamingTheSetting()
    {
        var ex = Should.Throw<Microsoft.Extensions.Options.OptionsValidationException>(() =>
            ConsulSettings.Create(new ConsulRegistryOptions { Address = "http://127.0.0.1:8500", BodyIdleTimeout = TimeSpan.Zero, UseEnvironment = false }, "Mesh:Registries:0"));
        ex.Message.ShouldContain("Mesh:Registries:0:BodyIdleTimeout");
    }
}
