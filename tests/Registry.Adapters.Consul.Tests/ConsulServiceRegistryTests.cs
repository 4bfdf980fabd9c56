using Registry.Adapters.Consul.Tests.Fake;
using Registry.Adapters.Testing;
using Shouldly;
using Xunit;

namespace Registry.Adapters.Consul.Tests;

public sealed class ConsulServiceRegistryTests : IAsyncLifetime
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(15);
    private FakeConsulServer _fake = null!;

    public async Task InitializeAsync() => _fake = await FakeConsulServer.StartAsync();

    public async Task DisposeAsync() => await _fake.DisposeAsync();

    private static ServiceInstance Instance(string service, int n) => new()
    {
        Service = service,
        Id = $"{service}-{n}",
        Host = $"10.1.0.{n}",
        Ports = [new ServicePort("http", 8000 + n, "http")],
    };

    [Fact]
    public async Task ReadAsync_WireSample_UsesNodeAddressAndMapsEveryStatus()
    {
        _fake.PutService("worker-a", "10.40.0.11", new FakeServiceSpec("billing-7f1c", "billing") { Port = 8080, Tags = ["v2"], Meta = new Dictionary<string, string> { ["zone"] = "z1" }, PassingWeight = 3 });
        _fake.PutService("worker-b", "10.40.0.12", new FakeServiceSpec("billing-93aa", "billing") { Address = "10.40.7.33", Port = 8080 }, "critical");
        _fake.PutService("worker-c", "10.40.0.13", new FakeServiceSpec("billing-warn", "billing") { Port = 8080 }, "warning");
        await using var registry = ConsulTestSupport.CreateRegistry(_fake);

        var snapshot = await registry.ReadAsync();

        var billing = snapshot.Services["billing"];
        billing.Select(i => (i.Id, i.Host, i.Health)).ShouldBe(
        [
            ("billing-7f1c", "10.40.0.11", HealthStatus.Healthy),
            ("billing-93aa", "10.40.7.33", HealthStatus.Unhealthy),
            ("billing-warn", "10.40.0.13", HealthStatus.Unhealthy),
        ]);
        billing[0].Zone.ShouldBe("z1");
        billing[0].Metadata["consul.weights.passing"].ShouldBe("3");
        billing[0].Metadata["consul.datacenter"].ShouldBe("dc1");
        snapshot.Revision.ShouldNotBeNullOrEmpty();
        _fake.Requests.Where(r => r.Method == "GET").ShouldAllBe(r => r.Query.Contains("consistent"), "a one-shot read is consistent");
    }

    [Fact]
    public async Task Watch_NodeChecksAndMaintenance_MapHealth()
    {
        var web = Instance("web", 1);
        ConsulTestSupport.Put(_fake, web);
        await using var registry = ConsulTestSupport.CreateRegistry(_fake);
        await using var recorder = new WatchRecorder(registry);
        await recorder.WaitForViewAsync(v => Health(v) == HealthStatus.Healthy, Timeout, "web healthy");

        _fake.SetNodeHealth(ConsulTestSupport.NodeOf(web), "critical");
        await recorder.WaitForViewAsync(v => Health(v) == HealthStatus.Unhealthy, Timeout, "serfHealth critical makes the instance unhealthy");

        _fake.SetNodeHealth(ConsulTestSupport.NodeOf(web), "passing");
        _fake.SetNodeMaintenance(ConsulTestSupport.NodeOf(web), enable: true, "kernel upgrade");
        await recorder.WaitForViewAsync(v => Health(v) == HealthStatus.Draining, Timeout, "node maintenance drains the instance");

        _fake.SetNodeMaintenance(ConsulTestSupport.NodeOf(web), enable: false);
        await recorder.WaitForViewAsync(v => Health(v) == HealthStatus.Healthy, Timeout, "maintenance over");

        static HealthStatus? Health(IReadOnlyDictionary<string, IReadOnlyList<ServiceInstance>> view) =>
            view.TryGetValue("web", out var list) && list.Count == 1 ? list[0].Health : null;
    }

    [Fact]
    public async Task Watch_IndexBumpWithIdenticalPayload_EmitsNothing()
    {
        ConsulTestSupport.Put(_fake, Instance("web", 1));
        await using var registry = ConsulTestSupport.CreateRegistry(_fake);
        await using var recorder = new WatchRecorder(registry);
        await recorder.WaitForViewAsync(v => v.ContainsKey("web"), Timeout, "web");
        var before = _fake.CountRequests("/v1/health/service/web");

        _fake.Touch("web");
        _fake.Touch("web");
        await ConsulTestSupport.WaitUntilAsync(() => _fake.CountRequests("/v1/health/service/web") >= before + 2, "the watch saw both index bumps");
        ConsulTestSupport.Put(_fake, Instance("web", 2));
        await recorder.WaitForViewAsync(v => v.TryGetValue("web", out var l) && l.Count == 2, Timeout, "the real change");

        recorder.Events.OfType<ServiceChangedEvent>().Count().ShouldBe(1, "index churn without a payload change is not a change");
    }

    [Fact]
    public async Task Watch_ZeroIndex_IsClampedToOneAndNeverSent()
    {
        ConsulTestSupport.Put(_fake, Instance("web", 1));
        _fake.EnqueueFault("/v1/health/service/web", FakeConsulFault.ZeroIndex);
        _fake.EnqueueFault("/v1/health/service/web", FakeConsulFault.ZeroIndex);
        await using var registry = ConsulTestSupport.CreateRegistry(_fake);
        await using var recorder = new WatchRecorder(registry);
        await recorder.WaitForViewAsync(v => v.ContainsKey("web"), Timeout, "web");

        await ConsulTestSupport.WaitUntilAsync(() => _fake.Requests.Any(r => r.Path == "/v1/health/service/web" && r.Query.Contains("index=1&")), "a blocking query on index 1");
        _fake.Requests.ShouldNotContain(r => r.Query.Contains("index=0"));
    }

    [Fact]
    public async Task Watch_ServiceIndexGoesBackwards_ResetsAndReadsAtOnce()
    {
        var web = Instance("web", 1);
        ConsulTestSupport.Put(_fake, web);
        await using var registry = ConsulTestSupport.CreateRegistry(_fake);
        await using var recorder = new WatchRecorder(registry);
        await recorder.WaitForViewAsync(v => v.ContainsKey("web"), Timeout, "web");
        await ConsulTestSupport.WaitUntilAsync(() => _fake.InFlight("/v1/health/service/web") == 1, "web's watch blocks");
        var mark = _fake.Requests.Count;

        _fake.ResetIndex(3);

        await ConsulTestSupport.WaitUntilAsync(
            () => _fake.Requests.Skip(mark).Any(r => r.Path == "/v1/health/service/web" && !r.Query.Contains("index=")),
            "after the index went backwards the service is read without an index");
        var resync = await recorder.WaitForEventAsync<RegistrySnapshotEvent>(s => s.IsResync, Timeout, "the catalog index went backwards: a resync");
        resync.Snapshot.Services["web"].Single().Host.ShouldBe(web.Host);
        var web2 = Instance("web", 2);
        ConsulTestSupport.Put(_fake, web2);
        await recorder.WaitForViewAsync(v => v.TryGetValue("web", out var l) && l.Count == 2, Timeout, "changes flow after the reset");
    }

    [Fact]
    public async Task Watch_ServiceVanishes_StopsItsWatch()
    {
        ConsulTestSupport.Put(_fake, Instance("web", 1));
        var payments = Instance("payments", 2);
        ConsulTestSupport.Put(_fake, payments);
        await using var registry = ConsulTestSupport.CreateRegistry(_fake);
        await using var recorder = new WatchRecorder(registry);
        await recorder.WaitForViewAsync(v => v.ContainsKey("payments") && v.ContainsKey("web"), Timeout, "both");

        _fake.RemoveService(ConsulTestSupport.NodeOf(payments), payments.Id);
        await recorder.WaitForEventAsync<ServiceChangedEvent>(c => c.Service == "payments" && c.Instances.Count == 0, Timeout, "payments gone");
        await ConsulTestSupport.WaitUntilAsync(() => !registry.RunningServiceLoops.ContainsKey("payments"), "the payments watch stopped");
        registry.RunningServiceLoops.ContainsKey("web").ShouldBeTrue();
        var count = _fake.CountRequests("/v1/health/service/payments");

        ConsulTestSupport.Put(_fake, Instance("web", 3));
        await recorder.WaitForViewAsync(v => v["web"].Count == 2, Timeout, "web changed");

        _fake.CountRequests("/v1/health/service/payments").ShouldBe(count, "no query for a service that left the catalog");
        _fake.InFlight("/v1/health/service/payments").ShouldBe(0);

        ConsulTestSupport.Put(_fake, payments);
        await recorder.WaitForViewAsync(v => v.ContainsKey("payments"), Timeout, "a service that comes back is watched again");
        registry.RunningServiceLoops.ContainsKey("payments").ShouldBeTrue();
    }

    [Fact]
    public async Task Watch_QueryParameters_PassDatacenterNamespacePartitionTagsAndStale()
    {
        ConsulTestSupport.Put(_fake, Instance("web", 1) with { Tags = ["v2"] });
        ConsulTestSupport.Put(_fake, Instance("web", 2));
        await using var registry = ConsulTestSupport.CreateRegistry(_fake, o =>
        {
            o.Datacenter = "dc1";
            o.Namespace = "team-a";
            o.Partition = "part-1";
            o.AllowStale = true;
            o.TagFilter.Add("v2");
        });
        await using var recorder = new WatchRecorder(registry);

        await recorder.WaitForViewAsync(v => v.TryGetValue("web", out var l) && l.Count == 1 && l[0].Id == "web-1", Timeout, "only the tagged instance");
        var health = _fake.Requests.First(r => r.Path == "/v1/health/service/web");
        health.Query.ShouldContain("dc=dc1");
        health.Query.ShouldContain("ns=team-a");
        health.Query.ShouldContain("partition=part-1");
        health.Query.ShouldContain("tag=v2");
        health.Query.ShouldContain("stale");
    }

    [Fact]
    public async Task Watch_HostileNamesAndBadPorts_SkippedReportedNeighboursKept()
    {
        ConsulTestSupport.Put(_fake, Instance("web", 1));
        _fake.PutService("n-evil", "10.9.0.1", new FakeServiceSpec("evil-1", "../x") { Port = 80 });
        _fake.PutService("n-slash", "10.9.0.2", new FakeServiceSpec("slash-1", "a/b") { Port = 80 });
        _fake.PutService("n-port", "10.9.0.3", new FakeServiceSpec("web-big", "web") { Port = 70000 });
        await using var registry = ConsulTestSupport.CreateRegistry(_fake);
        await using var recorder = new WatchRecorder(registry);

        await recorder.WaitForViewAsync(v => v.ContainsKey("web"), Timeout, "web");
        await recorder.WaitForSkippedAsync(s => s.Key.Contains("../x"), Timeout, "the ../x service reported");
        await recorder.WaitForSkippedAsync(s => s.Key.Contains("a/b"), Timeout, "the a/b service reported");
        await recorder.WaitForSkippedAsync(s => s.Reason.Contains("70000"), Timeout, "the port reported");
        recorder.View["web"].Select(i => i.Id).ShouldBe(["web-1"]);
        _fake.Requests.ShouldNotContain(r => r.Path.Contains("/x") || r.Path.Contains("a/b") || r.Path.Contains("%2F"), "a hostile name never becomes a path");

        _fake.Touch("web");
        ConsulTestSupport.Put(_fake, Instance("web", 2));
        await recorder.WaitForViewAsync(v => v["web"].Count == 2, Timeout, "more changes");
        recorder.Skipped.Count.ShouldBe(3, "each bad record is reported once, in the snapshot or as an event");
    }

    [Fact]
    public async Task Watch_MalformedPayload_RetriesAndKeepsOtherServices()
    {
        ConsulTestSupport.Put(_fake, Instance("web", 1));
        ConsulTestSupport.Put(_fake, Instance("api", 2));
        await using var registry = ConsulTestSupport.CreateRegistry(_fake);
        await using var recorder = new WatchRecorder(registry);
        await recorder.WaitForViewAsync(v => v.ContainsKey("web") && v.ContainsKey("api"), Timeout, "both");

        _fake.EnqueueFault("/v1/health/service/web", FakeConsulFault.Malformed);
        _fake.Touch("web");
        var failure = await recorder.WaitForEventAsync<RegistryStateEvent>(s => s.State == RegistryConnectionState.Retrying, Timeout, "malformed JSON is a retried fault");
        failure.Error!.ShouldContain("malformed");
        ConsulTestSupport.Put(_fake, Instance("web", 3));
        await recorder.WaitForViewAsync(v => v.TryGetValue("web", out var l) && l.Count == 2 && v.ContainsKey("api"), Timeout, "recovered; api untouched");
        await recorder.WaitForEventAsync<RegistryStateEvent>(s => s.State == RegistryConnectionState.Connected, Timeout, "connected again", skip: 1);
        recorder.Events.OfType<ServiceChangedEvent>().ShouldNotContain(c => c.Instances.Count == 0);
    }

    [Theory]
    [InlineData(FakeConsulFaultKind.ServerError)]
    [InlineData(FakeConsulFaultKind.CutShort)]
    [InlineData(FakeConsulFaultKind.Reset)]
    public async Task Watch_TransientFault_ReportsRetryingThenRecovers(FakeConsulFaultKind kind)
    {
        ConsulTestSupport.Put(_fake, Instance("web", 1));
        await using var registry = ConsulTestSupport.CreateRegistry(_fake);
        await using var recorder = new WatchRecorder(registry);
        await recorder.WaitForViewAsync(v => v.ContainsKey("web"), Timeout, "web");

        _fake.EnqueueFault("/v1/health/service/web", new FakeConsulFault(kind));
        ConsulTestSupport.Put(_fake, Instance("web", 2));

        var failure = await recorder.WaitForEventAsync<RegistryStateEvent>(s => s.State == RegistryConnectionState.Retrying, Timeout, "a retrying state");
        failure.RetryIn.ShouldNotBeNull();
        await recorder.WaitForViewAsync(v => v["web"].Count == 2, Timeout, "the change arrives after the fault");
        await recorder.WaitForEventAsync<RegistryStateEvent>(s => s.State == RegistryConnectionState.Connected, Timeout, "connected again", skip: 1);
        recorder.Fault.ShouldBeNull();
    }

    [Fact]
    public async Task Watch_SlowResponse_StillSyncs()
    {
        ConsulTestSupport.Put(_fake, Instance("web", 1));
        _fake.EnqueueFault("/v1/catalog/services", FakeConsulFault.Slow(TimeSpan.FromMilliseconds(500)));
        _fake.EnqueueFault("/v1/health/service/web", FakeConsulFault.Slow(TimeSpan.FromMilliseconds(500)));
        await using var registry = ConsulTestSupport.CreateRegistry(_fake);
        await using var recorder = new WatchRecorder(registry);

        await recorder.WaitForViewAsync(v => v.ContainsKey("web"), Timeout, "web, slowly");
        recorder.Events.OfType<RegistryStateEvent>().ShouldNotContain(s => s.State == RegistryConnectionState.Retrying);
    }

    [Fact]
    public async Task Watch_AgentDownAtStart_RetriesUntilItComesUp()
    {
        ConsulTestSupport.Put(_fake, Instance("web", 1));
        await _fake.StopAsync();
        await using var registry = ConsulTestSupport.CreateRegistry(_fake);
        await using var recorder = new WatchRecorder(registry);

        await recorder.WaitForEventAsync<RegistryStateEvent>(s => s.State == RegistryConnectionState.Retrying, Timeout, "retrying while the agent is down");
        recorder.SnapshotCount.ShouldBe(0);
        await _fake.StartAsync();

        await recorder.WaitForViewAsync(v => v.ContainsKey("web"), Timeout, "the snapshot once the agent is up");
        recorder.Events.OfType<RegistrySnapshotEvent>().First().IsResync.ShouldBeFalse();
    }

    [Fact]
    public async Task ReadAsync_AgentDown_ThrowsRegistryException()
    {
        await _fake.StopAsync();
        await using var registry = ConsulTestSupport.CreateRegistry(_fake);

        var ex = await Should.ThrowAsync<RegistryException>(() => registry.ReadAsync());

        ex.Message.ShouldContain("/v1/catalog/services");
    }
}
