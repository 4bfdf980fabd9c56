using System.Text.Json;
using Registry.Adapters.Testing;
using Shouldly;
using Xunit;
using static Registry.Adapters.Etcd.Tests.EtcdTestData;

namespace Registry.Adapters.Etcd.Tests;

/// <summary>Discovery against one shared etcd; every test has its own prefix.</summary>
public sealed class EtcdServiceRegistryTests(EtcdServerFixture fixture) : IClassFixture<EtcdServerFixture>, IAsyncLifetime
{
    private readonly string _prefix = EtcdServerFixture.UniquePrefix("registry");
    private EtcdTestClient _client = null!;

    private string Url => fixture.Server.ClientUrl;

    public async Task InitializeAsync() => _client = await EtcdTestClient.ConnectAsync(fixture.Server);

    public Task DisposeAsync()
    {
        _client.Dispose();
        return Task.CompletedTask;
    }

    [Fact]
    public async Task ReadAsync_ManyKeysWithConcurrentPuts_PagesAtOnePinnedRevision()
    {
        await PutManyAsync(_client, Enumerable.Range(0, 2500).Select(i => ($"{_prefix}svc-{i % 10}/i{i:D5}", MeshJson(Instance($"svc-{i % 10}", i)))));
        await using var registry = NewRegistry(Url, _prefix, o => o.PageSize = 1000);
        using var stop = new CancellationTokenSource();
        var writer = Task.Run(async () =>
        {
            // New keys sort first and last, so an unpinned page 2 or 3 would pick them up.
            for (var i = 0; !stop.IsCancellationRequested; i++)
            {
                await _client.PutAsync($"{_prefix}aaa/late{i:D5}", MeshJson(Instance("aaa", 3000 + i)));
                await _client.PutAsync($"{_prefix}zzz/late{i:D5}", MeshJson(Instance("zzz", 6000 + i)));
            }
        });

        RegistrySnapshot snapshot;
        try
        {
            await Task.Delay(50);
            snapshot = await registry.ReadAsync();
        }
        finally
        {
            await stop.CancelAsync();
            await writer;
        }

        registry.LastLoadPages.ShouldBeGreaterThanOrEqualTo(3);
        var revision = long.Parse(snapshot.Revision!, System.Globalization.CultureInfo.InvariantCulture);
        var atRevision = await _client.Connection.Kv.RangeAsync(new Etcdserverpb.RangeRequest
        {
            Key = Google.Protobuf.ByteString.CopyFromUtf8(_prefix),
            RangeEnd = Google.Protobuf.ByteString.CopyFrom(EtcdRecordCodec.PrefixEnd(System.Text.Encoding.UTF8.GetBytes(_prefix))),
            Revision = revision,
            CountOnly = true,
        });
        snapshot.InstanceCount.ShouldBe((int)atRevision.Count, "the snapshot holds exactly the keys that existed at its revision");
        snapshot.InstanceCount.ShouldBeGreaterThanOrEqualTo(2500);
        Enumerable.Range(0, 10).Sum(i => snapshot.Services[$"svc-{i}"].Count).ShouldBe(2500);
    }

    [Fact]
    public async Task Watch_ServicesSharingAPrefix_InventoryNeverPicksUpInventoryAdmin()
    {
        var inventory = Instance("inventory", 1);
        var admin = Instance("inventory-admin", 2);
        await _client.PutAsync($"{_prefix}inventory/{inventory.Id}", MeshJson(inventory));
        await _client.PutAsync($"{_prefix}inventory-admin/{admin.Id}", MeshJson(admin));
        await _client.PutAsync($"{_prefix.TrimEnd('/')}-old/inventory/x9", MeshJson(Instance("inventory", 9)));
        await using var registry = NewRegistry(Url, _prefix.TrimEnd('/'));
        await using var recorder = new WatchRecorder(registry);

        await recorder.WaitForViewAsync(v => v.ContainsKey("inventory") && v.ContainsKey("inventory-admin"), Wait, "both services");
        recorder.View["inventory"].ShouldHaveSingleItem().Id.ShouldBe(inventory.Id);
        recorder.View["inventory-admin"].ShouldHaveSingleItem().Id.ShouldBe(admin.Id);

        var admin2 = Instance("inventory-admin", 3);
        await _client.PutAsync($"{_prefix}inventory-admin/{admin2.Id}", MeshJson(admin2));
        await recorder.WaitForEventAsync<ServiceChangedEvent>(c => c.Service == "inventory-admin" && c.Instances.Count == 2, Wait, "inventory-admin grew");
        recorder.Events.OfType<ServiceChangedEvent>().ShouldNotContain(c => c.Service == "inventory");
        recorder.View.Count.ShouldBe(2, "a sibling prefix (-old) is never read");
    }

    [Fact]
    public async Task Watch_OneTransactionTouchingOneService_EmitsOneChange()
    {
        await using var registry = NewRegistry(Url, _prefix);
        await using var recorder = new WatchRecorder(registry);
        await recorder.WaitForEventAsync<RegistryStateEvent>(s => s.State == RegistryConnectionState.Connected, Wait, "connected");

        await PutManyAsync(_client, Enumerable.Range(1, 3).Select(i => ($"{_prefix}orders/orders-{i}", MeshJson(Instance("orders", i)))));
        var change = await recorder.WaitForEventAsync<ServiceChangedEvent>(c => c.Service == "orders", Wait, "orders changed");

        change.Instances.Count.ShouldBe(3, "the events of one revision are applied together");
        recorder.Events.OfType<ServiceChangedEvent>().Count().ShouldBe(1);
    }

    [Fact]
    public async Task Watch_UnchangedRewrite_EmitsNothing()
    {
        var orders = Instance("orders", 1);
        await _client.PutAsync($"{_prefix}orders/{orders.Id}", MeshJson(orders));
        await using var registry = NewRegistry(Url, _prefix);
        await using var recorder = new WatchRecorder(registry);
        await recorder.WaitForViewAsync(v => v.ContainsKey("orders"), Wait, "orders");

        await _client.PutAsync($"{_prefix}orders/{orders.Id}", MeshJson(orders));
        var billing = Instance("billing", 2);
        await _client.PutAsync($"{_prefix}billing/{billing.Id}", MeshJson(billing));
        await recorder.WaitForViewAsync(v => v.ContainsKey("billing"), Wait, "billing, written after the rewrite");

        recorder.Events.OfType<ServiceChangedEvent>().ShouldNotContain(c => c.Service == "orders");
    }

    [Fact]
    public async Task Watch_ValueNamingAnotherServiceOrId_KeyWins()
    {
        var json = """{"service":"other","id":"zzz","host":"10.9.0.1","ports":[{"name":"http","port":80,"protocol":"http"}]}""";
        await _client.PutAsync($"{_prefix}orders/o-1", json);
        await using var registry = NewRegistry(Url, _prefix);

        var snapshot = await registry.ReadAsync();

        var instance = snapshot.Services["orders"].ShouldHaveSingleItem();
        instance.Id.ShouldBe("o-1");
        instance.Service.ShouldBe("orders");
        snapshot.Services.ContainsKey("other").ShouldBeFalse();
    }

    [Fact]
    public async Task Watch_BadRecords_AreSkippedAndReportedAndNeighboursKept()
    {
        var good = Instance("orders", 1);
        await _client.PutAsync($"{_prefix}orders/{good.Id}", MeshJson(good));
        await _client.PutAsync($"{_prefix}orders/not-json", "this is not json");
        await _client.PutAsync($"{_prefix}orders/no-host", """{"id":"no-host","ports":[{"name":"http","port":80}]}""");
        await _client.PutAsync($"{_prefix}orders/..evil", MeshJson(Instance("orders", 7)));
        await _client.PutAsync($"{_prefix}orders/big", MeshJson(Instance("orders", 8) with { Metadata = new Dictionary<string, string> { ["pad"] = new string('x', 3000) } }));
        await _client.PutAsync($"{_prefix}orders/bad-port", MeshJson(Instance("orders", 9) with { Ports = [new ServicePort("http", 70000, "http")] }));
        var logs = new CapturingLoggerFactory();
        await using var registry = NewRegistry(Url, _prefix, o => o.MaxValueBytes = 2048, logs);
        await using var recorder = new WatchRecorder(registry);

        await recorder.WaitForViewAsync(v => v.ContainsKey("orders"), Wait, "orders");
        var snapshot = recorder.Events.OfType<RegistrySnapshotEvent>().First().Snapshot;
        snapshot.Services["orders"].ShouldHaveSingleItem().ShouldBe(good);
        snapshot.Skipped.Select(s => s.Key).Order().ShouldBe(new[] { "..evil", "bad-port", "big", "no-host", "not-json" }.Select(k => $"{_prefix}orders/{k}").Order());
        snapshot.Skipped.Single(s => s.Key.EndsWith("not-json", StringComparison.Ordinal)).Reason.ShouldContain("not valid JSON");
        snapshot.Skipped.Single(s => s.Key.EndsWith("no-host", StringComparison.Ordinal)).Reason.ShouldContain("host");
        snapshot.Skipped.Single(s => s.Key.EndsWith("..evil", StringComparison.Ordinal)).Reason.ShouldContain("..");
        snapshot.Skipped.Single(s => s.Key.EndsWith("big", StringComparison.Ordinal)).Reason.ShouldContain("MaxValueBytes");
        snapshot.Skipped.Single(s => s.Key.EndsWith("bad-port", StringComparison.Ordinal)).Reason.ShouldContain("out of range");
        recorder.Events.OfType<RecordSkippedEvent>().ShouldBeEmpty("a record skipped while reading the snapshot travels in it, not again as an event");

        // The same bad input arriving through the watch: reported, neighbours kept, a valid record made bad is dropped.
        var second = Instance("orders", 2);
        await _client.PutAsync($"{_prefix}orders/{second.Id}", MeshJson(second));
        await recorder.WaitForViewAsync(v => v["orders"].Count == 2, Wait, "a second good instance");
        await _client.PutAsync($"{_prefix}orders/{second.Id}", "{ broken");
        await _client.PutAsync($"{_prefix}orders/..evil2", "{}");
        await recorder.WaitForViewAsync(_ => recorder.Events.OfType<RecordSkippedEvent>().Count() == 2, Wait, "two more skip reports");
        recorder.Skipped.Count.ShouldBe(7, "each bad record reported once");
        await recorder.WaitForViewAsync(v => v["orders"].Count == 1, Wait, "the instance whose value broke is dropped");
        recorder.View["orders"].ShouldHaveSingleItem().ShouldBe(good);
        recorder.Completed.ShouldBeFalse();
        logs.Lines.Count(l => l.Contains(" 1500 ", StringComparison.Ordinal)).ShouldBe(7, "the watch's publisher logs each skipped record once");
    }

    [Fact]
    public async Task Watch_KratosFormat_ReadsKratosRegistrations()
    {
        var prefix = _prefix + "microservices/";
        await _client.PutAsync(prefix + "billing/9f3c2a10", """{"id":"9f3c2a10","name":"billing","version":"v1.4.2","metadata":{"zone":"eu-west-1b"},"endpoints":["http://10.20.1.7:8000?isSecure=false","grpc://10.20.1.7:9000?isSecure=false"]}""");
        await _client.PutAsync(prefix + "billing-admin/0aa1", """{"id":"0aa1","name":"billing-admin","version":"v0.9.0","metadata":null,"endpoints":["http://10.20.5.5:8000?isSecure=false"]}""");
        await using var registry = NewRegistry(Url, prefix, o => o.Format = EtcdKeyFormat.Kratos);

        var snapshot = await registry.ReadAsync();

        var billing = snapshot.Services["billing"].ShouldHaveSingleItem();
        billing.Id.ShouldBe("9f3c2a10");
        billing.Host.ShouldBe("10.20.1.7");
        billing.Ports.ShouldBe([new ServicePort("http", 8000, "http"), new ServicePort("grpc", 9000, "grpc")]);
        billing.Zone.ShouldBe("eu-west-1b");
        billing.Metadata["version"].ShouldBe("v1.4.2");
        snapshot.Services["billing-admin"].ShouldHaveSingleItem().Id.ShouldBe("0aa1");
    }

    [Fact]
    public async Task Register_KratosFormat_RoundTripsThroughKratosShape()
    {
        var prefix = _prefix + "microservices/";
        var instance = new ServiceInstance
        {
            Service = "payments",
            Id = "p-1",
            Host = "10.3.0.4",
            Ports = [new ServicePort("http", 8000, "http"), new ServicePort("grpc", 9000, "grpc")],
            Zone = "us-east-1a",
            Metadata = new Dictionary<string, string> { ["version"] = "v2.0.1", ["team"] = "pay" },
        };
        var options = Options(Url, prefix, o => o.Format = EtcdKeyFormat.Kratos);
        var registrar = EtcdRegistryFactory.CreateRegistrar("etcd", options);
        await using var registry = NewRegistry(Url, prefix, o => o.Format = EtcdKeyFormat.Kratos);
        await using var recorder = new WatchRecorder(registry);
        await recorder.WaitForEventAsync<RegistryStateEvent>(s => s.State == RegistryConnectionState.Connected, Wait, "connected");

        await using (var registration = await registrar.RegisterAsync(instance))
        {
            var raw = await _client.GetAsync(prefix + "payments/p-1");
            using var json = JsonDocument.Parse(raw!);
            json.RootElement.GetProperty("id").GetString().ShouldBe("p-1");
            json.RootElement.GetProperty("name").GetString().ShouldBe("payments");
            json.RootElement.GetProperty("version").GetString().ShouldBe("v2.0.1");
            json.RootElement.GetProperty("endpoints").EnumerateArray().Select(e => e.GetString()).ShouldBe(["http://10.3.0.4:8000?isSecure=false", "grpc://10.3.0.4:9000?isSecure=false"]);
            var seen = await recorder.WaitForEventAsync<ServiceChangedEvent>(c => c.Service == "payments" && c.Instances.Count == 1, Wait, "the registered instance");
            seen.Instances[0].ShouldBe(instance);
        }

        await recorder.WaitForViewAsync(v => !v.ContainsKey("payments"), Wait, "deregistered on dispose");
    }

    [Fact]
    public async Task Watch_FirstEndpointDown_UsesTheNextOne()
    {
        var orders = Instance("orders", 1);
        await _client.PutAsync($"{_prefix}orders/{orders.Id}", MeshJson(orders));
        await using var registry = NewRegistry("http://127.0.0.1:1", _prefix, o => o.Endpoints.Add(Url));
        await using var recorder = new WatchRecorder(registry);

        await recorder.WaitForViewAsync(v => v.ContainsKey("orders"), Wait, "orders through the second endpoint");
        (await registry.ReadAsync()).Services["orders"].ShouldHaveSingleItem().ShouldBe(orders);
        recorder.Events.OfType<RegistryStateEvent>().ShouldContain(s => s.State == RegistryConnectionState.Retrying && s.Error!.Contains("127.0.0.1:1"));
    }
}
