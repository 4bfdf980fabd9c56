using Registry.Adapters.Testing;
using Shouldly;
using Xunit;
using static Registry.Adapters.Etcd.Tests.EtcdTestData;

namespace Registry.Adapters.Etcd.Tests;

/// <summary>
/// Failures of a dedicated etcd during a watch: kill and restart, compaction while the watch is behind, a rebuilt etcd.
/// The registry dials through a <see cref="TcpProxy"/> so that writes can land while it is cut off.
/// </summary>
public sealed class EtcdRestartTests : IAsyncLifetime
{
    private readonly string _prefix = EtcdServerFixture.UniquePrefix("restart");
    private EtcdServer _server = null!;
    private TcpProxy _proxy = null!;
    private EtcdTestClient _client = null!;

    public async Task InitializeAsync()
    {
        _server = await EtcdServer.StartAsync();
        _proxy = new TcpProxy(_server.ClientPort);
        _client = await EtcdTestClient.ConnectAsync(_server);
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _proxy.DisposeAsync();
        await _server.DisposeAsync();
    }

    [Fact]
    public async Task Watch_EtcdKilledAndRestarted_ResumesWithoutLosingOrRepeatingChanges()
    {
        // Before: two services.
        for (var i = 1; i <= 3; i++)
        {
            await Put(Instance("orders", i));
        }

        await Put(Instance("billing", 10));
        var logs = new CapturingLoggerFactory();
        await using var registry = NewRegistry(_proxy.Url, _prefix, logs: logs);
        await using var recorder = new WatchRecorder(registry);
        await recorder.WaitForViewAsync(v => v.TryGetValue("orders", out var o) && o.Count == 3, Wait, "initial orders(3)");
        await Put(Instance("orders", 4));
        await recorder.WaitForViewAsync(v => v["orders"].Count == 4, Wait, "orders-4 before the crash");

        // During: etcd dies; while the registry is still cut off, etcd comes back and takes writes.
        _proxy.Pause();
        await _server.KillAsync();
        await recorder.WaitForEventAsync<RegistryStateEvent>(s => s.State == RegistryConnectionState.Retrying, Wait, "retrying after the crash");
        await _server.RestartAsync();
        await _client.DeleteAsync($"{_prefix}orders/orders-1");
        await Put(Instance("orders", 2) with { Health = HealthStatus.Draining });
        await Put(Instance("shipping", 20));
        await _client.DeleteAsync($"{_prefix}billing/billing-10");
        _proxy.Resume();

        // After: more writes once it is back.
        await recorder.WaitForEventAsync<RegistryStateEvent>(s => s.State == RegistryConnectionState.Connected, Wait, "connected again", skip: 1);
        await Put(Instance("orders", 5));
        var expected = await EtcdViewAsync(_client, _prefix);
        await recorder.WaitForViewAsync(v => SameAs(Flatten(v), expected), Wait, "the view equals what etcd holds");

        recorder.SnapshotCount.ShouldBe(1, "the watch resumed from its revision: no resync was needed. " + Describe(recorder));
        recorder.View["orders"].Single(i => i.Id == "orders-2").Health.ShouldBe(HealthStatus.Draining);
        var revisions = recorder.Events.OfType<ServiceChangedEvent>().Select(c => long.Parse(c.Revision!, System.Globalization.CultureInfo.InvariantCulture)).ToList();
        revisions.ShouldBe(revisions.Order().ToList(), "changes arrive in revision order");
        recorder.Events.OfType<ServiceChangedEvent>().GroupBy(c => (c.Service, c.Revision)).ShouldAllBe(g => g.Count() == 1, "no revision is applied twice");
    }

    [Fact]
    public async Task Watch_HistoryCompactedWhileBehind_ResyncsToEtcdContent()
    {
        await Put(Instance("orders", 1));
        await Put(Instance("billing", 2));
        await using var registry = NewRegistry(_proxy.Url, _prefix);
        await using var recorder = new WatchRecorder(registry);
        await recorder.WaitForViewAsync(v => v.ContainsKey("orders") && v.ContainsKey("billing"), Wait, "initial");

        _proxy.Pause();
        await _client.DeleteAsync($"{_prefix}billing/billing-2");
        await Put(Instance("orders", 3));
        await _client.CompactAsync();
        _proxy.Resume();

        var resync = await recorder.WaitForEventAsync<RegistrySnapshotEvent>(s => s.IsResync, Wait, "a resync after compaction");
        resync.Snapshot.Services.ContainsKey("billing").ShouldBeFalse("a service deleted while compacted away is gone");
        resync.Snapshot.Services["orders"].Count.ShouldBe(2);
        await Put(Instance("shipping", 4));
        var expected = await EtcdViewAsync(_client, _prefix);
        await recorder.WaitForViewAsync(v => SameAs(Flatten(v), expected), Wait, "the view equals what etcd holds after the resync");
    }

    [Fact]
    public async Task Watch_EtcdRebuiltWithEmptyData_ResyncsInsteadOfWaitingForAFutureRevision()
    {
        for (var i = 1; i <= 20; i++)
        {
            await Put(Instance("orders", i));
        }

        await using var registry = NewRegistry(_proxy.Url, _prefix);
        await using var recorder = new WatchRecorder(registry);
        await recorder.WaitForViewAsync(v => v.TryGetValue("orders", out var o) && o.Count == 20, Wait, "initial orders(20)");

        _proxy.Pause();
        await _server.RestartAsync(wipeData: true);
        _client.Dispose();
        _client = await EtcdTestClient.ConnectAsync(_server);
        await Put(Instance("fresh", 1));
        _proxy.Resume();

        var resync = await recorder.WaitForEventAsync<RegistrySnapshotEvent>(s => s.IsResync, Wait, "a resync after the rebuild");
        resync.Snapshot.Services.Keys.ShouldBe(["fresh"]);
        await Put(Instance("fresh", 2));
        await recorder.WaitForViewAsync(v => v.TryGetValue("fresh", out var f) && f.Count == 2 && !v.ContainsKey("orders"), Wait, "changes flow on the rebuilt etcd");
    }

    [Fact]
    public async Task Watch_EtcdRebuiltWithSameClusterIdAndRevisionPastOurs_ResyncsToTheNewTruth()
    {
        for (var i = 1; i <= 5; i++)
        {
            await Put(Instance("orders", i));
        }

        await using var registry = NewRegistry(_proxy.Url, _prefix);
        await using var recorder = new WatchRecorder(registry);
        await recorder.WaitForViewAsync(v => v.TryGetValue("orders", out var o) && o.Count == 5, Wait, "initial orders(5)");
        var before = await _client.GetClusterIdAsync();

        // Wiped and started again with the same name and initial cluster: the same cluster id. Writes elsewhere take
        // its revision past the last one the watch saw, so the revision check alone cannot tell.
        _proxy.Pause();
        await _server.RestartAsync(wipeData: true);
        _client.Dispose();
        _client = await EtcdTestClient.ConnectAsync(_server);
        (await _client.GetClusterIdAsync()).ShouldBe(before, "the rebuilt etcd keeps the cluster id");
        for (var i = 0; i < 20; i++)
        {
            await _client.PutAsync($"/elsewhere/{i}", "x");
        }

        await Put(Instance("fresh", 1));
        _proxy.Resume();

        var resync = await recorder.WaitForEventAsync<RegistrySnapshotEvent>(s => s.IsResync, Wait, "a resync after the rebuild");
        resync.Snapshot.Services.Keys.ShouldBe(["fresh"]);
        await Put(Instance("fresh", 2));
        var expected = await EtcdViewAsync(_client, _prefix);
        await recorder.WaitForViewAsync(v => SameAs(Flatten(v), expected), Wait, "the view equals what the rebuilt etcd holds");
        recorder.View.ContainsKey("orders").ShouldBeFalse("the lost cluster's keys are gone");
    }

    [Fact]
    public async Task Watch_ReconnectToTheSameEtcd_VerifiedHistoryResumesWithoutResync()
    {
        for (var i = 1; i <= 3; i++)
        {
            await Put(Instance("orders", i));
        }

        await using var registry = NewRegistry(_proxy.Url, _prefix);
        await using var recorder = new WatchRecorder(registry);
        await recorder.WaitForViewAsync(v => v.TryGetValue("orders", out var o) && o.Count == 3, Wait, "initial orders(3)");
        await _client.DeleteAsync($"{_prefix}orders/orders-1");
        await Put(Instance("orders", 4));
        await recorder.WaitForViewAsync(v => v["orders"].Count == 3 && v["orders"].Any(i => i.Id == "orders-4"), Wait, "changes before the cut");

        _proxy.Pause();
        await recorder.WaitForEventAsync<RegistryStateEvent>(s => s.State == RegistryConnectionState.Retrying, Wait, "cut off");
        await Put(Instance("orders", 5));
        _proxy.Resume();

        await recorder.WaitForViewAsync(v => v["orders"].Any(i => i.Id == "orders-5"), Wait, "resumed");
        recorder.SnapshotCount.ShouldBe(1, "the history verified: no resync. " + Describe(recorder));
    }

    [Theory]
    [InlineData(MeshOptions.DefaultDropGuardRatio)]
    [InlineData(1.0)]
    public async Task Watch_EtcdRebuiltEmpty_DropGuardDecidesWhetherTheCatalogEmptiesBeforeRefilling(double ratio)
    {
        for (var i = 1; i <= 4; i++)
        {
            await Put(Instance("orders", i));
        }

        await using var registry = NewRegistry(_proxy.Url, _prefix);
        await using var recorder = new WatchRecorder(registry);
        await recorder.WaitForViewAsync(v => v.TryGetValue("orders", out var o) && o.Count == 4, Wait, "initial orders(4)");

        _proxy.Pause();
        await _server.RestartAsync(wipeData: true);
        _client.Dispose();
        _client = await EtcdTestClient.ConnectAsync(_server);
        _proxy.Resume();
        await recorder.WaitForEventAsync<RegistrySnapshotEvent>(s => s.IsResync, Wait, "the empty resync");
        await recorder.WaitForEventAsync<RegistryStateEvent>(s => s.State == RegistryConnectionState.Connected, Wait, "connected again", skip: 2);

        await using (var mesh = await Replay(recorder, ratio))
        {
            var catalog = mesh.Catalog;
            var status = catalog.Current.Registries.ShouldHaveSingleItem();
            if (ratio < 1)
            {
                status.State.ShouldBe(RegistryState.Stale, "kept instances are marked as not what etcd holds");
                status.HeldBack.ShouldBeTrue();
                catalog.Resolve("orders").Length.ShouldBe(4);
                catalog.Resolve("orders").ShouldAllBe(i => i.Stale);
            }
            else
            {
                status.State.ShouldBe(RegistryState.Ready);
                catalog.Resolve("orders").ShouldBeEmpty("with the guard off the empty resync removes the service at once");
            }
        }

        // The instances register again (as their owners' leases do after a rebuild): both ways end at the truth.
        for (var i = 1; i <= 3; i++)
        {
            await Put(Instance("orders", i));
        }

        await recorder.WaitForViewAsync(v => v.TryGetValue("orders", out var o) && o.Count == 3, Wait, "re-registered");
        await using (var mesh = await Replay(recorder, ratio))
        {
            var catalog = mesh.Catalog;
            catalog.Current.Registries.ShouldHaveSingleItem().State.ShouldBe(RegistryState.Ready);
            catalog.Resolve("orders").Select(i => i.Instance.Id).ShouldBe(["orders-1", "orders-2", "orders-3"]);
            catalog.Resolve("orders").ShouldAllBe(i => !i.Stale);
        }
    }

    /// <summary>The catalog a consumer of the watch sees after the events so far, in a mesh built with <c>AddMeshRegistry</c>.</summary>
    private static Task<MeshTestHost> Replay(WatchRecorder recorder, double ratio) =>
        MeshTestHost.ReplayAsync("etcd", "etcd", recorder.Events, o => o.DropGuardRatio = ratio);

    private Task<long> Put(ServiceInstance instance) => _client.PutAsync($"{_prefix}{instance.Service}/{instance.Id}", MeshJson(instance));
}
