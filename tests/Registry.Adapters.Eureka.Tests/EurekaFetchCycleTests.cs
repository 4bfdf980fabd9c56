using Registry.Adapters.Testing;
using Shouldly;
using Xunit;

namespace Registry.Adapters.Eureka.Tests;

/// <summary>The fetch cycle on a fake clock: exactly what is requested per interval, delta fallbacks, hash resyncs, lease expiry, failback.</summary>
public sealed class EurekaFetchCycleTests : IAsyncLifetime
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(30);
    private readonly CountingTimeProvider _clock = new();
    private FakeEurekaServer _server = null!;

    public async Task InitializeAsync() => _server = await FakeEurekaServer.StartAsync(_clock);

    public async Task DisposeAsync() => await _server.DisposeAsync();

    private EurekaServiceRegistry Create(Action<EurekaRegistryOptions>? configure = null, params string[] urls)
    {
        var options = new EurekaRegistryOptions { FetchInterval = Interval };
        foreach (var url in urls.Length == 0 ? [_server.BaseUrl] : urls)
        {
            options.ServiceUrls.Add(url);
        }

        configure?.Invoke(options);
        return new EurekaServiceRegistry("eureka", options, _clock);
    }

    private void Put(string app, string id, int index, string status = "UP") =>
        _server.Register(app, FakeEurekaServer.InstanceJson(app, id, $"10.0.0.{index}", 8080, status)).ShouldBeNull();

    /// <summary>Lets one interval pass and waits until the loop has fetched and gone back to sleep.</summary>
    private async Task NextIntervalAsync()
    {
        var timers = _clock.Timers;
        _clock.Advance(Interval);
        await _clock.WaitForTimersAsync(timers + 1);
    }

    [Fact]
    public async Task Watch_NothingChanges_OneDeltaGetPerInterval()
    {
        Put("ORDERS", "o1", 1);
        await using var registry = Create();
        await using var recorder = new WatchRecorder(registry);
        await _clock.WaitForTimersAsync(1);

        for (var i = 0; i < 10; i++)
        {
            _server.Renew("ORDERS", "o1").ShouldBe(System.Net.HttpStatusCode.OK, "heartbeats keep the lease and are not changes");
            await NextIntervalAsync();
        }

        _server.CountRequests("GET", "apps").ShouldBe(1);
        _server.CountRequests("GET", "apps/delta").ShouldBe(10);
        _server.Requests.Count.ShouldBe(11);
        recorder.Events.OfType<ServiceChangedEvent>().ShouldBeEmpty();
        recorder.Events.OfType<RegistrySnapshotEvent>().ShouldHaveSingleItem().IsResync.ShouldBeFalse();
    }

    [Fact]
    public async Task Watch_OneAppChanges_OnlyThatAppIsReported()
    {
        Put("ORDERS", "o1", 1);
        Put("BILLING", "b1", 2);
        await using var registry = Create();
        await using var recorder = new WatchRecorder(registry);
        await _clock.WaitForTimersAsync(1);

        Put("ORDERS", "o2", 3);
        _server.Renew("BILLING", "b1").ShouldBe(System.Net.HttpStatusCode.OK);
        await NextIntervalAsync();
        await NextIntervalAsync();

        var change = recorder.Events.OfType<ServiceChangedEvent>().ShouldHaveSingleItem("the same delta is served twice; heartbeats are not changes");
        change.Service.ShouldBe("ORDERS");
        change.Instances.Select(i => i.Id).ShouldBe(["o1", "o2"]);
        change.Revision.ShouldBe("UP_3_");
    }

    [Fact]
    public async Task Watch_WrongHashCode_FullFetchAndResyncSnapshot()
    {
        Put("ORDERS", "o1", 1);
        await using var registry = Create();
        await using var recorder = new WatchRecorder(registry);
        await _clock.WaitForTimersAsync(1);

        Put("ORDERS", "o2", 2);
        _server.CorruptNextDeltaHashCodes();
        await NextIntervalAsync();

        var resync = recorder.Events.OfType<RegistrySnapshotEvent>().Last();
        resync.IsResync.ShouldBeTrue();
        resync.Snapshot.Services["ORDERS"].Select(i => i.Id).ShouldBe(["o1", "o2"]);
        _server.CountRequests("GET", "apps").ShouldBe(2);
        _server.CountRequests("GET", "apps/delta").ShouldBe(1);

        await NextIntervalAsync();
        _server.CountRequests("GET", "apps").ShouldBe(2, "after the resync, deltas again");
    }

    [Fact]
    public async Task Watch_DeltaDisabledOnServer_FallsBackToFullFetchesWithChanges()
    {
        _server.DeltaDisabled = true;
        Put("ORDERS", "o1", 1);
        await using var registry = Create();
        await using var recorder = new WatchRecorder(registry);
        await _clock.WaitForTimersAsync(1);

        Put("ORDERS", "o2", 2);
        await NextIntervalAsync();
        await NextIntervalAsync();

        _server.CountRequests("GET", "apps/delta").ShouldBe(1, "after a 403 the client stops asking for a while");
        _server.CountRequests("GET", "apps").ShouldBe(3);
        recorder.Events.OfType<ServiceChangedEvent>().ShouldHaveSingleItem().Instances.Count.ShouldBe(2);
        recorder.Events.OfType<RegistrySnapshotEvent>().ShouldAllBe(s => !s.IsResync);

        _server.DeltaDisabled = false;
        for (var i = 0; i < EurekaServiceRegistry.FullFetchesBeforeDeltaRetry; i++)
        {
            await NextIntervalAsync();
        }

        _server.CountRequests("GET", "apps/delta").ShouldBe(2, "the delta endpoint is probed again");
    }

    [Fact]
    public async Task Watch_DeltaDisabledByOption_NeverAsksForDelta()
    {
        Put("ORDERS", "o1", 1);
        await using var registry = Create(o => o.DisableDelta = true);
        await using var recorder = new WatchRecorder(registry);
        await _clock.WaitForTimersAsync(1);

        await NextIntervalAsync();

        _server.CountRequests("GET", "apps/delta").ShouldBe(0);
        _server.CountRequests("GET", "apps").ShouldBe(2);
    }

    [Fact]
    public async Task Watch_LeaseExpires_InstanceRemovedAfterTwiceTheDuration()
    {
        Put("ORDERS", "o1", 1);
        Put("ORDERS", "o2", 2);
        _server.Renew("ORDERS", "o1");
        _server.Renew("ORDERS", "o2");
        await using var registry = Create();
        await using var recorder = new WatchRecorder(registry);
        await _clock.WaitForTimersAsync(1);

        // Lease.renew sets lastUpdate = now + duration, so a renewed lease lives about 2 x 90 s.
        for (var i = 0; i < 5; i++)
        {
            _server.Renew("ORDERS", "o1");
            await NextIntervalAsync();
        }

        _server.InstanceCount.ShouldBe(2, "150 s after its last renewal o2 is still within 2 x 90 s");
        await NextIntervalAsync();
        await NextIntervalAsync();

        _server.InstanceCount.ShouldBe(1);
        recorder.View["ORDERS"].ShouldHaveSingleItem().Id.ShouldBe("o1");
    }

    [Fact]
    public async Task Watch_FirstServerDown_FailsOverAndGoesBackAfterFailback()
    {
        Put("ORDERS", "o1", 1);
        await using var second = await FakeEurekaServer.StartAsync(_clock);
        second.Register("ORDERS", FakeEurekaServer.InstanceJson("ORDERS", "o1", "10.0.0.1", 8080)).ShouldBeNull();
        await _server.StopAsync();
        await using var registry = Create(o => o.FailbackAfter = TimeSpan.FromMinutes(2), _server.BaseUrl, second.BaseUrl);
        await using var recorder = new WatchRecorder(registry);
        await _clock.WaitForTimersAsync(1);

        recorder.View["ORDERS"].ShouldHaveSingleItem();
        registry.Client.Transport.Current.ShouldBe(1);
        recorder.Events.OfType<RegistryStateEvent>().ShouldNotContain(s => s.State == RegistryConnectionState.Retrying, "a failover inside one fetch is not an outage");

        await _server.RestartAsync();
        await NextIntervalAsync();
        registry.Client.Transport.Current.ShouldBe(1, "a working server is kept");
        _server.Requests.ShouldBeEmpty();

        for (var i = 0; i < 4; i++)
        {
            await NextIntervalAsync();
        }

        registry.Client.Transport.Current.ShouldBe(0, "after FailbackAfter the first server is preferred again");
        _server.Requests.ShouldNotBeEmpty();
    }
}
