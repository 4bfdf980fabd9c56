using k8s.Models;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Registry.Adapters.Testing;
using Shouldly;
using Xunit;

namespace Registry.Adapters.Kubernetes.Tests;

public sealed class KubernetesServiceRegistryTests : IAsyncLifetime
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);
    private KubernetesTestHost _host = null!;

    private FakeKubeApiServer Server => _host.Server;

    public async Task InitializeAsync() => _host = await KubernetesTestHost.StartAsync();

    public async Task DisposeAsync() => await _host.DisposeAsync();

    [Fact]
    public async Task ReadAsync_WireNotePayloads_MapAsTheNotesExpect()
    {
        Server.PutSliceJson(WirePayloads.BillingSliceA);
        Server.PutSliceJson(WirePayloads.BillingSliceB);
        Server.PutSliceJson(WirePayloads.BillingPlaceholder);
        Server.PutSliceJson(WirePayloads.KubernetesDefault);
        Server.PutSliceJson(WirePayloads.Unlabelled);
        Server.PutService(K8sObjects.Service("shop", "billing", new Dictionary<string, string> { ["app.kubernetes.io/name"] = "billing" }, ports: [("http", 80)]));
        Server.PutService(K8sObjects.Service("shop", "payments-ext", type: "ExternalName", externalName: "payments.partner.example.com", ports: [("https", 443)]));
        await using var registry = _host.CreateRegistry();

        var snapshot = await registry.ReadAsync();

        snapshot.Services.Keys.Order(StringComparer.Ordinal).ShouldBe(["billing.shop", "payments-ext.shop"]);
        var billing = snapshot.Services["billing.shop"].ToDictionary(i => i.Host);
        billing.Keys.Order(StringComparer.Ordinal).ShouldBe(["10.244.1.17", "10.244.2.31", "10.244.3.14", "10.244.3.9"]);
        billing["10.244.1.17"].Health.ShouldBe(HealthStatus.Healthy);
        billing["10.244.1.17"].Id.ShouldBe("billing-6d9f7c8b5-k2x9p");
        billing["10.244.1.17"].GetPort("http")!.Port.ShouldBe(8080);
        billing["10.244.1.17"].Metadata["app.kubernetes.io/name"].ShouldBe("billing");
        billing["10.244.2.31"].Health.ShouldBe(HealthStatus.Unhealthy);
        billing["10.244.3.9"].Health.ShouldBe(HealthStatus.Draining);
        billing["10.244.3.14"].Health.ShouldBe(HealthStatus.Healthy, "empty conditions mean ready");
        billing["10.244.3.14"].GetPort("http")!.Port.ShouldBe(8081, "the slice port is the target port, per slice");
        billing["10.244.3.14"].GetPort("port-9090")!.Protocol.ShouldBe("tcp");
        var external = snapshot.Services["payments-ext.shop"].ShouldHaveSingleItem();
        external.Host.ShouldBe("payments.partner.example.com");
        registry.Kind.ShouldBe("kubernetes");
    }

    [Fact]
    public async Task ReadAsync_MoreItemsThanPageSize_PagesWithLimitAndContinue()
    {
        for (var i = 0; i < 5; i++)
        {
            Server.PutSlice(K8sObjects.Slice("shop", "orders", $"orders-{i}", new Ep($"10.0.0.{i + 1}", $"orders-{i}")));
        }

        await using var registry = _host.CreateRegistry(o => o.PageSize = 2);

        var snapshot = await registry.ReadAsync();

        snapshot.Services["orders.shop"].Count.ShouldBe(5);
        var lists = Server.Requests.Where(r => r.Contains("/endpointslices", StringComparison.Ordinal)).ToList();
        lists.Count.ShouldBe(3);
        lists.ShouldAllBe(r => r.Contains("limit=2", StringComparison.Ordinal));
        lists.Count(r => r.Contains("continue=", StringComparison.Ordinal)).ShouldBe(2);
    }

    [Fact]
    public async Task ReadAsync_ContinueTokenExpires_RestartsTheListFromScratch()
    {
        for (var i = 0; i < 5; i++)
        {
            Server.PutSlice(K8sObjects.Slice("shop", "orders", $"orders-{i}", new Ep($"10.0.0.{i + 1}", $"orders-{i}")));
        }

        Server.CompactOnNextContinue = true;
        await using var registry = _host.CreateRegistry(o => o.PageSize = 2);

        var snapshot = await registry.ReadAsync();

        snapshot.Services["orders.shop"].Count.ShouldBe(5);
        Server.Requests.Count(r => r.Contains("/endpointslices?", StringComparison.Ordinal) && !r.Contains("continue=", StringComparison.Ordinal)).ShouldBe(2, "a 410 on the continue token restarts the list");
    }

    [Fact]
    public async Task Watch_Changes_EmitFullServiceSetsAndBookmarkOnlyAdvancesTheVersion()
    {
        Server.PutSlice(K8sObjects.Slice("shop", "orders", "orders-a", new Ep("10.0.0.1", "p1")));
        await using var registry = _host.CreateRegistry(o => o.Namespaces.Add("shop"));
        await using var recorder = new WatchRecorder(registry);
        await recorder.WaitForViewAsync(v => v.ContainsKey("orders.shop"), Timeout, "initial orders");

        Server.PutSlice(K8sObjects.Slice("shop", "orders", "orders-b", new Ep("10.0.0.2", "p2")));
        var change = await recorder.WaitForEventAsync<ServiceChangedEvent>(c => c.Instances.Count == 2, Timeout, "orders with two instances");
        change.Service.ShouldBe("orders.shop");

        Server.SendBookmarks();
        var bookmarkVersion = Server.Revision.ToString(System.Globalization.CultureInfo.InvariantCulture);
        await WaitUntilAsync(() => Server.OpenWatches == 2, "two open watches");
        Server.CloseWatches();
        await WaitUntilAsync(
            () => Server.Requests.Any(r => r.Contains("/namespaces/shop/endpointslices?", StringComparison.Ordinal) && r.Contains($"resourceVersion={bookmarkVersion}", StringComparison.Ordinal)),
            "the slice watch resumes from the bookmark's version");
        recorder.Events.OfType<ServiceChangedEvent>().Count().ShouldBe(1, "a bookmark is not a change");
        recorder.SnapshotCount.ShouldBe(1, "a closed watch resumes without a resync");
        Server.Requests.ShouldContain(r => r.Contains("allowWatchBookmarks=true", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Watch_WatchTimeout_ResumesFromLastVersionWithoutResync()
    {
        Server.PutSlice(K8sObjects.Slice("shop", "orders", "orders-a", new Ep("10.0.0.1", "p1")));
        await using var registry = _host.CreateRegistry(o => o.WatchTimeout = TimeSpan.FromSeconds(1));
        await using var recorder = new WatchRecorder(registry);
        await recorder.WaitForViewAsync(v => v.ContainsKey("orders.shop"), Timeout, "initial orders");

        await WaitUntilAsync(() => Server.Requests.Count(r => r.Contains("watch=true", StringComparison.Ordinal) && r.Contains("/endpointslices", StringComparison.Ordinal)) >= 3, "the watch was re-made after timeoutSeconds");
        Server.PutSlice(K8sObjects.Slice("shop", "orders", "orders-b", new Ep("10.0.0.2", "p2")));

        await recorder.WaitForViewAsync(v => v.TryGetValue("orders.shop", out var o) && o.Count == 2, Timeout, "a change after the resumed watch");
        recorder.SnapshotCount.ShouldBe(1);
        Server.Requests.ShouldContain(r => r.Contains("timeoutSeconds=1", StringComparison.Ordinal));
        Server.Requests.Count(r => r.Contains("/endpointslices?", StringComparison.Ordinal) && !r.Contains("watch=true", StringComparison.Ordinal)).ShouldBe(1, "no relist");
    }

    [Theory]
    [InlineData(WatchExpiry.InBandError)]
    [InlineData(WatchExpiry.HttpGone)]
    public async Task Watch_VersionExpiredWhileDisconnected_RelistsAndResyncDropsVanishedServices(WatchExpiry expiry)
    {
        Server.Expiry = expiry;
        Server.PutSlice(K8sObjects.Slice("shop", "orders", "orders-a", new Ep("10.0.0.1", "p1")));
        Server.PutSlice(K8sObjects.Slice("shop", "billing", "billing-a", new Ep("10.0.0.2", "p2")));
        await using var registry = _host.CreateRegistry();
        await using var recorder = new WatchRecorder(registry);
        await recorder.WaitForViewAsync(v => v.ContainsKey("orders.shop") && v.ContainsKey("billing.shop"), Timeout, "initial services");

        Server.Refuse = true;
        Server.DropConnections();
        await recorder.WaitForEventAsync<RegistryStateEvent>(s => s.State == RegistryConnectionState.Retrying, Timeout, "retrying while refused");
        Server.DeleteSlice("shop", "billing-a");
        Server.PutSlice(K8sObjects.Slice("shop", "orders", "orders-b", new Ep("10.0.0.3", "p3")));
        Server.Compact();
        Server.Refuse = false;

        // Each stream (slices, services) relists on its own; the slices' resync is the one that sees the deletion.
        var resync = await recorder.WaitForEventAsync<RegistrySnapshotEvent>(s => s.IsResync && !s.Snapshot.Services.ContainsKey("billing.shop"), Timeout, "a resync after 410 without billing");
        resync.Snapshot.Services.Keys.ShouldBe(["orders.shop"]);
        resync.Snapshot.Services["orders.shop"].Count.ShouldBe(2);
        await recorder.WaitForViewAsync(v => !v.ContainsKey("billing.shop"), Timeout, "billing vanished");
        await WaitUntilAsync(
            () => recorder.Events.OfType<RegistryStateEvent>().SkipWhile(s => s.State != RegistryConnectionState.Retrying).Any(s => s.State == RegistryConnectionState.Connected),
            "connected after retrying");
    }

    [Fact]
    public async Task Watch_InBandErrorOnOpenWatch_Relists()
    {
        Server.PutSlice(K8sObjects.Slice("shop", "orders", "orders-a", new Ep("10.0.0.1", "p1")));
        await using var registry = _host.CreateRegistry();
        await using var recorder = new WatchRecorder(registry);
        await recorder.WaitForViewAsync(v => v.ContainsKey("orders.shop"), Timeout, "initial orders");
        await WaitUntilAsync(() => Server.OpenWatches == 2, "two open watches");

        Server.Compact();
        Server.ExpireWatches();

        await recorder.WaitForEventAsync<RegistrySnapshotEvent>(s => s.IsResync, Timeout, "a resync after the ERROR event");
        Server.PutSlice(K8sObjects.Slice("shop", "orders", "orders-b", new Ep("10.0.0.2", "p2")));
        await recorder.WaitForViewAsync(v => v.TryGetValue("orders.shop", out var o) && o.Count == 2, Timeout, "changes flow after the relist");
        recorder.Events.OfType<RegistryStateEvent>().ShouldNotContain(s => s.State == RegistryConnectionState.Retrying, "a 410 is not a fault");
    }

    [Fact]
    public async Task Watch_ServiceLabelsAndExternalName_FlowThroughServiceWatch()
    {
        Server.PutSlice(K8sObjects.Slice("shop", "orders", "orders-a", new Ep("10.0.0.1", "p1")));
        await using var registry = _host.CreateRegistry();
        await using var recorder = new WatchRecorder(registry);
        await recorder.WaitForViewAsync(v => v.ContainsKey("orders.shop"), Timeout, "initial orders");

        Server.PutService(K8sObjects.Service("shop", "orders", new Dictionary<string, string> { ["version"] = "v2" }));
        await recorder.WaitForViewAsync(v => v["orders.shop"][0].Metadata.TryGetValue("version", out var x) && x == "v2", Timeout, "service labels become metadata");

        Server.PutService(K8sObjects.Service("shop", "legacy", type: "ExternalName", externalName: "legacy.example.com", ports: [("http", 80)]));
        await recorder.WaitForViewAsync(v => v.TryGetValue("legacy.shop", out var l) && l[0].Host == "legacy.example.com", Timeout, "ExternalName appears");

        Server.DeleteService("shop", "legacy");
        await recorder.WaitForViewAsync(v => !v.ContainsKey("legacy.shop"), Timeout, "ExternalName gone");
    }

    [Fact]
    public async Task Watch_ForbiddenList_ReportsFailedWithPermissionAndUserButNoToken()
    {
        Server.Deny("endpointslices", "list");
        await using var registry = _host.CreateRegistry();
        await using var recorder = new WatchRecorder(registry);

        var failed = await recorder.WaitForEventAsync<RegistryStateEvent>(s => s.State == RegistryConnectionState.Failed, Timeout, "failed on 403");

        failed.Error.ShouldNotBeNull();
        failed.Error.ShouldContain("'list' on endpointslices.discovery.k8s.io in all namespaces");
        failed.Error.ShouldContain("system:serviceaccount:default:mesh-sync");
        failed.Error.ShouldNotContain(FakeKubeconfig.Token);
        recorder.Completed.ShouldBeFalse();

        Server.AllowAll();
        Server.PutSlice(K8sObjects.Slice("shop", "orders", "orders-a", new Ep("10.0.0.1", "p1")));
        await recorder.WaitForViewAsync(v => v.ContainsKey("orders.shop"), Timeout, "recovers once granted");
    }

    [Fact]
    public async Task Watch_ErrorsAndResyncs_AreCountedOnTheRegistryAdaptersMeter()
    {
        using var meters = new TestMeterFactory();
        Server.PutSlice(K8sObjects.Slice("shop", "orders", "orders-a", new Ep("10.0.0.1", "p1")));
        Server.Deny("services", "list");
        await using var registry = _host.CreateRegistry(meterFactory: meters);
        using var errors = new MetricCollector<long>(meters.Meters.Single(), "registry.errors");
        using var resyncs = new MetricCollector<long>(meters.Meters.Single(), "registry.resyncs");
        await using var recorder = new WatchRecorder(registry);
        await recorder.WaitForEventAsync<RegistryStateEvent>(s => s.State == RegistryConnectionState.Failed, Timeout, "failed on 403");

        meters.Meters.Single().Name.ShouldBe("Registry.Adapters");
        var measurements = errors.GetMeasurementSnapshot();
        measurements.ShouldNotBeEmpty();
        var error = measurements[0];
        error.Tags["registry.name"].ShouldBe("kubernetes");
        error.Tags["registry.kind"].ShouldBe("kubernetes");
        error.Tags["k8s.resource"].ShouldBe("services");

        Server.AllowAll();
        await recorder.WaitForViewAsync(v => v.ContainsKey("orders.shop"), Timeout, "synced once granted");
        await WaitUntilAsync(() => Server.OpenWatches == 2, "two open watches");
        Server.Compact();
        Server.ExpireWatches();
        await recorder.WaitForEventAsync<RegistrySnapshotEvent>(s => s.IsResync, Timeout, "a resync");
        resyncs.GetMeasurementSnapshot().Count.ShouldBeGreaterThan(0);
    }

    [Fact]
    public async Task Watch_ForbiddenWatchInNamespace_NamesVerbResourceAndNamespace()
    {
        Server.Deny("services", "watch");
        await using var registry = _host.CreateRegistry(o => o.Namespaces.Add("shop"));
        await using var recorder = new WatchRecorder(registry);

        var failed = await recorder.WaitForEventAsync<RegistryStateEvent>(s => s.State == RegistryConnectionState.Failed, Timeout, "failed on 403");

        failed.Error.ShouldNotBeNull();
        failed.Error.ShouldContain("'watch' on services in namespace shop");

        // The list still works, but that is no recovery while the watch is refused: the state stays Failed.
        await WaitUntilAsync(() => Server.Requests.Count(r => r.Contains("/namespaces/shop/services?", StringComparison.Ordinal) && r.Contains("watch=true", StringComparison.Ordinal)) >= 3, "watch retried");
        recorder.Events.OfType<RegistryStateEvent>().SkipWhile(s => s.State != RegistryConnectionState.Failed).ShouldNotContain(s => s.State == RegistryConnectionState.Connected);

        Server.AllowAll();
        Server.PutService(K8sObjects.Service("shop", "orders"));
        await WaitUntilAsync(
            () => recorder.Events.OfType<RegistryStateEvent>().SkipWhile(s => s.State != RegistryConnectionState.Failed).Any(s => s.State == RegistryConnectionState.Connected),
            "connected once the watch is granted");
    }

    [Fact]
    public async Task ReadAsync_WrongToken_ThrowsPermanentUnauthorizedWithoutTheToken()
    {
        Server.RequiredToken = "another-token-0000";

        await using var registry = _host.CreateRegistry();
        var error = await Should.ThrowAsync<RegistryException>(() => registry.ReadAsync());

        error.IsPermanent.ShouldBeTrue();
        error.Message.ShouldContain("Unauthorized");
        error.Message.ShouldNotContain(FakeKubeconfig.Token);
        error.Message.ShouldNotContain("another-token-0000");
    }

    [Fact]
    public async Task Watch_ServerQuotesTheRejectedTokenBack_ErrorMasksIt()
    {
        Server.RequiredToken = "another-token-0000";
        Server.EchoCredential = true;

        await using var registry = _host.CreateRegistry();
        var error = await Should.ThrowAsync<RegistryException>(() => registry.ReadAsync());
        await using var recorder = new WatchRecorder(registry);
        var failed = await recorder.WaitForEventAsync<RegistryStateEvent>(s => s.State == RegistryConnectionState.Failed, TimeSpan.FromSeconds(15), "the watch fails on 401");

        foreach (var text in new[] { error.Message, failed.Error! })
        {
            text.ShouldContain("The API server said: Unauthorized: the token '***' is not valid");
            text.ShouldNotContain(FakeKubeconfig.Token);
        }
    }

    [Fact]
    public async Task Watch_DroppedAndRefused_ReportsRetryingThenConnectedAndResumesWithoutResync()
    {
        Server.PutSlice(K8sObjects.Slice("shop", "orders", "orders-a", new Ep("10.0.0.1", "p1")));
        await using var registry = _host.CreateRegistry();
        await using var recorder = new WatchRecorder(registry);
        await recorder.WaitForViewAsync(v => v.ContainsKey("orders.shop"), Timeout, "initial orders");
        await WaitUntilAsync(() => Server.OpenWatches == 2, "two open watches");

        Server.Refuse = true;
        Server.DropConnections();
        var retrying = await recorder.WaitForEventAsync<RegistryStateEvent>(s => s.State == RegistryConnectionState.Retrying, Timeout, "retrying while refused");
        retrying.Error.ShouldNotBeNull();
        retrying.Error.ShouldContain(Server.Url.Authority);
        retrying.RetryIn.ShouldNotBeNull();
        Server.PutSlice(K8sObjects.Slice("shop", "orders", "orders-b", new Ep("10.0.0.2", "p2")));
        Server.Refuse = false;

        await recorder.WaitForViewAsync(v => v.TryGetValue("orders.shop", out var o) && o.Count == 2, Timeout, "the change made while disconnected");
        await WaitUntilAsync(
            () => recorder.Events.OfType<RegistryStateEvent>().SkipWhile(s => s.State != RegistryConnectionState.Retrying).Any(s => s.State == RegistryConnectionState.Connected),
            "connected after retrying");
        recorder.SnapshotCount.ShouldBe(1, "a reconnect resumes from the last version: no relist, no resync");
        recorder.Completed.ShouldBeFalse();
    }

    [Fact]
    public async Task Watch_LabelSelectorAndNamespaces_OnlyMatchingObjects()
    {
        Server.PutSlice(K8sObjects.Slice("shop", "orders", "orders-a", new Ep("10.0.0.1", "p1")));
        Server.PutSlice(K8sObjects.Slice("web", "orders", "orders-a", new Ep("10.0.1.1", "p1")));
        Server.PutSlice(K8sObjects.Slice("shop", "billing", "billing-a", new Ep("10.0.0.2", "p2")));
        Server.PutSlice(K8sObjects.Slice("other", "orders", "orders-a", new Ep("10.0.2.1", "p1")));
        await using var registry = _host.CreateRegistry(o =>
        {
            o.Namespaces.Add("shop");
            o.Namespaces.Add("web");
            o.LabelSelector = "app=orders";
        });
        await using var recorder = new WatchRecorder(registry);

        await recorder.WaitForViewAsync(v => v.ContainsKey("orders.shop") && v.ContainsKey("orders.web"), Timeout, "orders in both namespaces");
        recorder.View.Keys.Order(StringComparer.Ordinal).ShouldBe(["orders.shop", "orders.web"]);
        Server.Requests.ShouldContain(r => r.Contains("/namespaces/web/services", StringComparison.Ordinal));
        Server.Requests.ShouldContain(r => r.Contains("labelSelector=app%3Dorders", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Watch_MalformedLineAndBadEndpoint_AreSkippedAndTheStreamContinues()
    {
        Server.PutSlice(K8sObjects.Slice("shop", "orders", "orders-a", new Ep("10.0.0.1", "p1")));
        await using var registry = _host.CreateRegistry();
        await using var recorder = new WatchRecorder(registry);
        await recorder.WaitForViewAsync(v => v.ContainsKey("orders.shop"), Timeout, "initial orders");
        await WaitUntilAsync(() => Server.OpenWatches == 2, "two open watches");

        Server.SendRawLine(FakeKubeApiServer.Slices, "{\"type\":\"ADDED\",\"object\":{\"kind\":\"EndpointSlice\",\"metadata\":");
        var bad = K8sObjects.Slice("shop", "orders", "orders-b", [new Ep("10.0.0.2", "p2"), new Ep("10.0.0.3", "p3")], ("http", 99999, null), ("grpc", 9090, null));
        bad.Endpoints[0].Addresses = [];
        Server.PutSlice(bad);

        await recorder.WaitForViewAsync(v => v.TryGetValue("orders.shop", out var o) && o.Count == 2, Timeout, "the good endpoint of the bad slice arrives");
        var skipped = recorder.Events.OfType<RecordSkippedEvent>().Select(s => s.Record.Reason).ToList();
        skipped.ShouldContain(r => r.Contains("malformed watch event", StringComparison.Ordinal));
        skipped.ShouldContain(r => r.Contains("no addresses", StringComparison.Ordinal));
        skipped.ShouldContain(r => r.Contains("out of range", StringComparison.Ordinal));
        recorder.View["orders.shop"].Single(i => i.Host == "10.0.0.3").Ports.ShouldBe([new ServicePort("grpc", 9090, "grpc")]);
        recorder.Events.OfType<RegistryStateEvent>().ShouldNotContain(s => s.State == RegistryConnectionState.Retrying);
    }

    private static async Task WaitUntilAsync(Func<bool> condition, string because)
    {
        var deadline = DateTime.UtcNow + Timeout;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new Xunit.Sdk.XunitException("Timed out waiting until " + because);
            }

            await Task.Delay(20);
        }
    }
}
