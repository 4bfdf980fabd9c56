using Registry.Adapters.Consul.Tests.Fake;
using Registry.Adapters.Testing;
using Shouldly;
using Xunit;

namespace Registry.Adapters.Consul.Tests;

/// <summary>
/// One service's health query keeps failing while the others work: the registry is stale while that watch fails, only
/// that service's instances are stale, and another service's change does not clear it.
/// </summary>
public sealed class ConsulServiceStalenessTests : IAsyncLifetime
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);
    private FakeConsulServer _fake = null!;

    public async Task InitializeAsync() => _fake = await FakeConsulServer.StartAsync();

    public async Task DisposeAsync() => await _fake.DisposeAsync();

    private static ServiceInstance Instance(string service, int n) => new()
    {
        Service = service,
        Id = $"{service}-{n}",
        Host = $"10.4.{(service == "web" ? 1 : 2)}.{n}",
        Ports = [new ServicePort("http", 8080, "http")],
    };

    /// <summary>The catalog a consumer of the watch sees after the events so far, in a mesh built with <c>AddMeshRegistry</c>.</summary>
    private static Task<MeshTestHost> Replay(WatchRecorder recorder) => MeshTestHost.ReplayAsync("consul", "consul", recorder.Events);

    [Fact]
    public async Task Watch_OneServiceKeepsFailing_RegistryStaleOnlyItsInstancesStaleUntilItRecovers()
    {
        ConsulTestSupport.Put(_fake, Instance("web", 1));
        ConsulTestSupport.Put(_fake, Instance("api", 1));
        await using var registry = ConsulTestSupport.CreateRegistry(_fake);
        await using var recorder = new WatchRecorder(registry);
        await recorder.WaitForViewAsync(v => v.ContainsKey("web") && v.ContainsKey("api"), Timeout, "both services");

        // web's health query fails from now on (a server error on every request); the change makes its blocking query return.
        _fake.FailAlways("/v1/health/service/web", FakeConsulFault.ServerError);
        ConsulTestSupport.Put(_fake, Instance("web", 2));
        await recorder.WaitForEventAsync<RegistryStateEvent>(s => s.State == RegistryConnectionState.Retrying, Timeout, "web's watch fails");

        // Another service changes while web still fails.
        var failedWebQueries = _fake.CountRequests("/v1/health/service/web");
        ConsulTestSupport.Put(_fake, Instance("api", 2));
        await recorder.WaitForViewAsync(v => v["api"].Count == 2, Timeout, "api's change arrives");
        await ConsulTestSupport.WaitUntilAsync(() => _fake.CountRequests("/v1/health/service/web") > failedWebQueries + 1, "web keeps failing meanwhile");

        await using (var mesh = await Replay(recorder))
        {
            var catalog = mesh.Catalog;
            var status = catalog.Current.Registries.ShouldHaveSingleItem();
            status.State.ShouldBe(RegistryState.Stale, "a watch that still fails keeps the registry stale");
            status.Error.ShouldNotBeNull().ShouldContain("No cluster leader");
            catalog.Resolve("web").ShouldAllBe(i => i.Stale, "the failing service's instances are stale");
            catalog.Resolve("api").Length.ShouldBe(2);
            catalog.Resolve("api").ShouldAllBe(i => !i.Stale, "only the failing service is stale");
        }

        var statesBefore = recorder.Events.OfType<RegistryStateEvent>().Count();
        _fake.Heal("/v1/health/service/web");
        ConsulTestSupport.Put(_fake, Instance("web", 3));
        await recorder.WaitForViewAsync(v => v["web"].Count == 3, Timeout, "web recovers with the truth");
        await recorder.WaitForEventAsync<RegistryStateEvent>(s => s.State == RegistryConnectionState.Connected, Timeout, "connected again", skip: statesBefore);

        await using (var mesh = await Replay(recorder))
        {
            var catalog = mesh.Catalog;
            catalog.Current.Registries.ShouldHaveSingleItem().State.ShouldBe(RegistryState.Ready);
            catalog.Resolve("web").Select(static i => i.Instance.Id).ShouldBe(["web-1", "web-2", "web-3"], ignoreOrder: true);
            catalog.Resolve("web").ShouldAllBe(i => !i.Stale);
        }
    }
}
