using Microsoft.Extensions.Time.Testing;
using Registry.Adapters.Testing;
using Shouldly;
using Xunit;

namespace Registry.Adapters.Tests.Registries;

public sealed class FileRegistryTests : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);
    private readonly CatalogFile _file = new();

    public void Dispose() => _file.Dispose();

    private static ServiceInstance Instance(string service, int index, HealthStatus health = HealthStatus.Healthy) => new()
    {
        Service = service,
        Id = $"{service}-{index}",
        Host = $"10.0.0.{index}",
        Ports = [new ServicePort("http", 8080 + index, "http")],
        Health = health,
        Zone = "us-east-1a",
        Tags = ["v1"],
        Metadata = new Dictionary<string, string> { ["version"] = "1.0" },
    };

    private FileRegistry Create(Action<FileRegistryOptions>? configure = null, TimeProvider? time = null)
    {
        var options = new FileRegistryOptions { Path = _file.Path, PollInterval = TimeSpan.FromMilliseconds(200), ChangeDelay = TimeSpan.FromMilliseconds(20) };
        configure?.Invoke(options);
        return new FileRegistry("file", options, time);
    }

    [Fact]
    public async Task Watch_MalformedEdit_KeepsLastGoodAndReportsRetryingWithLineThenRecovers()
    {
        var orders = Instance("orders", 1);
        _file.Put(orders);
        _file.WriteByRename();
        await using var registry = Create();
        await using var recorder = new WatchRecorder(registry);
        await recorder.WaitForViewAsync(v => v.ContainsKey("orders"), Timeout, "initial orders");

        // By rename: an in-place write can be read half-written, and that first error names line 1, not line 3.
        _file.WriteByRename("{\n  \"services\": [\n    { \"name\": \"orders\", oops }\n  ]\n}");
        var failure = await recorder.WaitForEventAsync<RegistryStateEvent>(s => s.State == RegistryConnectionState.Retrying, Timeout, "a retrying state");
        failure.Error.ShouldNotBeNull();
        failure.Error.ShouldContain(_file.Path);
        failure.Error.ShouldContain("line 3");
        recorder.View["orders"].Single().ShouldBe(orders, "the last good content is kept");
        recorder.Events.OfType<ServiceChangedEvent>().ShouldBeEmpty();

        var second = Instance("orders", 2);
        _file.Put(second);
        _file.WriteByRename();
        await recorder.WaitForViewAsync(v => v["orders"].Count == 2, Timeout, "the next good edit applies");
        var connected = recorder.Events.SkipWhile(e => e != failure).OfType<RegistryStateEvent>().Where(s => s.State == RegistryConnectionState.Connected);
        connected.ShouldNotBeEmpty("a good edit after a broken one reports connected");
        recorder.SnapshotCount.ShouldBe(1, "a broken edit is not a resync: the recovery is a per-service change");
    }

    [Fact]
    public async Task Watch_RenameReplaceEdit_EmitsChangeOfTouchedServiceOnly()
    {
        var orders = Instance("orders", 1);
        var payments = Instance("payments", 2);
        _file.Put(orders);
        _file.Put(payments);
        _file.WriteByRename();
        await using var registry = Create();
        await using var recorder = new WatchRecorder(registry);
        await recorder.WaitForViewAsync(v => v.Count == 2, Timeout, "initial orders and payments");

        _file.Put(orders with { Health = HealthStatus.Draining });
        _file.WriteByRename();
        var change = await recorder.WaitForEventAsync<ServiceChangedEvent>(static c => c.Service == "orders", Timeout, "a change of orders");
        change.Instances.Single().Health.ShouldBe(HealthStatus.Draining);

        _file.Remove(payments);
        _file.WriteByRename();
        await recorder.WaitForEventAsync<ServiceChangedEvent>(static c => c.Service == "payments" && c.Instances.Count == 0, Timeout, "payments removed");
        recorder.Events.OfType<ServiceChangedEvent>().Count(c => c.Service == "orders").ShouldBe(1, "the second edit did not touch orders");
        recorder.SnapshotCount.ShouldBe(1, "an edit is a diff, not a snapshot");
    }

    [Fact]
    public async Task Watch_HostileRecords_SkippedAndReportedNeighboursKept()
    {
        var good = """{ "id": "orders-1", "host": "10.0.0.1", "ports": [ { "name": "http", "port": 8080, "protocol": "http" } ] }""";
        var longId = new string('a', 300);
        _file.WriteByRename($$"""
            { "services": [
              { "name": "orders", "instances": [
                {{good}},
                { "id": "../../etc/passwd", "host": "10.0.0.2" },
                { "id": "orders-3", "host": "10.0.0.3", "ports": [ { "name": "http", "port": 70000 } ] },
                { "id": "orders-4", "host": "not a host!" },
                { "id": "{{longId}}", "host": "10.0.0.5" },
                { "id": "orders-6", "host": "10.0.0.6", "ports": [ { "name": "http", "port": "eighty" } ] },
                { "id": "orders-7", "host": "10.0.0.7", "health": "sparkling" },
                { "id": "orders-1", "host": "10.0.0.8" }
              ] },
              { "name": "a/b", "instances": [ { "id": "x", "host": "10.0.0.9" } ] },
              { "name": "..", "instances": [ { "id": "y", "host": "10.0.0.10" } ] },
              { "instances": [] },
              { "name": "shipping", "instances": { "id": "shipping-1" } },
              { "name": "payments", "instances": [ { "id": "payments-1", "host": "10.0.1.1" } ] }
            ] }
            """);
        await using var registry = Create();
        await using var recorder = new WatchRecorder(registry);

        await recorder.WaitForViewAsync(v => v.ContainsKey("orders") && v.ContainsKey("payments"), Timeout, "the good records");
        recorder.View["orders"].Select(i => i.Id).ShouldBe(["orders-1"]);
        recorder.View["orders"][0].Host.ShouldBe("10.0.0.1", "the first of two records with one id is kept");
        recorder.View.Keys.ShouldBe(["orders", "payments"], ignoreOrder: true);
        var skipped = recorder.Events.OfType<RegistrySnapshotEvent>().ShouldHaveSingleItem().Snapshot.Skipped;
        skipped.Count.ShouldBe(11, "eleven skipped records, carried by the snapshot");
        recorder.Events.OfType<RecordSkippedEvent>().ShouldBeEmpty("a record skipped while building the snapshot travels in it, not again as an event");
        var reasons = skipped.Select(s => s.Reason).ToList();
        reasons.ShouldContain(r => r.Contains("..", StringComparison.Ordinal));
        reasons.ShouldContain(r => r.Contains("out of range", StringComparison.Ordinal));
        reasons.ShouldContain(r => r.Contains("longer than", StringComparison.Ordinal));
        reasons.ShouldContain(r => r.Contains("sparkling", StringComparison.Ordinal));
        reasons.ShouldContain(r => r.Contains("'/'", StringComparison.Ordinal));
        reasons.ShouldContain(r => r.Contains("not an array", StringComparison.Ordinal));
        skipped.ShouldAllBe(s => s.Key.Length < 200, "keys are bounded for display");
    }

    [Fact]
    public async Task Watch_OversizedFile_ReportsErrorAndKeepsLastGood()
    {
        _file.Put(Instance("orders", 1));
        _file.WriteByRename();
        await using var registry = Create(o => o.MaxFileSizeBytes = 4096);
        await using var recorder = new WatchRecorder(registry);
        await recorder.WaitForViewAsync(v => v.ContainsKey("orders"), Timeout, "initial orders");

        for (var i = 2; i < 40; i++)
        {
            _file.Put(Instance("orders", i));
        }

        _file.WriteByRename();
        new FileInfo(_file.Path).Length.ShouldBeGreaterThan(4096);
        var failure = await recorder.WaitForEventAsync<RegistryStateEvent>(s => s.State == RegistryConnectionState.Retrying, Timeout, "an oversized-file error");
        failure.Error!.ShouldContain("MaxFileSizeBytes");
        recorder.View["orders"].Count.ShouldBe(1);
    }

    [Fact]
    public async Task Watch_FileMissingAtStart_ReportsErrorThenSnapshotWhenCreated()
    {
        await using var registry = Create();
        await using var recorder = new WatchRecorder(registry);
        var failure = await recorder.WaitForEventAsync<RegistryStateEvent>(s => s.State == RegistryConnectionState.Retrying, Timeout, "a missing-file error");
        failure.Error!.ShouldContain("does not exist");
        recorder.Completed.ShouldBeFalse();

        _file.Put(Instance("orders", 1));
        _file.WriteInPlace();
        var snapshot = await recorder.WaitForEventAsync<RegistrySnapshotEvent>(_ => true, Timeout, "the first snapshot");
        snapshot.IsResync.ShouldBeFalse();
        snapshot.Snapshot.Services.Keys.ShouldBe(["orders"]);
        recorder.Events.OfType<RegistryStateEvent>().Last().State.ShouldBe(RegistryConnectionState.Connected);
    }

    [Fact]
    public async Task Watch_WithoutFileSystemWatcher_PollsOnTheClock()
    {
        _file.Put(Instance("orders", 1));
        _file.WriteByRename();
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var registry = Create(o => o.UseFileSystemWatcher = false, time);
        await using var recorder = new WatchRecorder(registry);
        await recorder.WaitForViewAsync(v => v.ContainsKey("orders"), Timeout, "initial orders");

        _file.Put(Instance("inventory", 2));
        _file.WriteByRename();
        using var advancing = new CancellationTokenSource();
        var clock = Task.Run(async () =>
        {
            while (!advancing.IsCancellationRequested)
            {
                time.Advance(TimeSpan.FromMilliseconds(200));
                await Task.Delay(20);
            }
        });
        await recorder.WaitForViewAsync(v => v.ContainsKey("inventory"), Timeout, "the poll saw the edit");
        await advancing.CancelAsync();
        await clock;
    }

    [Fact]
    public async Task ReadAsync_ListOutputDocument_IgnoresOutputOnlyFieldsAndDefaultsService()
    {
        _file.WriteInPlace("""
            {
              "revision": 7,
              "services": [
                { "name": "orders",
                  "instances": [
                    { "registry": "consul", "id": "orders-1", "host": "10.0.0.5",
                      "ports": [ { "name": "http", "port": 8080, "protocol": "http" } ],
                      "health": "draining", "zone": "us-east-1a", "tags": ["v1"],
                      "metadata": { "version": "1.2" }, "stale": true } ] } ],
              "registries": [ { "name": "consul", "kind": "consul", "state": "ready", "error": null, "services": 3, "instances": 5 } ]
            }
            """);
        await using var registry = Create();

        var snapshot = await registry.ReadAsync();

        var instance = snapshot.Services["orders"].Single();
        instance.Service.ShouldBe("orders");
        instance.Health.ShouldBe(HealthStatus.Draining);
        instance.Ports.ShouldBe([new ServicePort("http", 8080, "http")]);
        instance.Metadata["version"].ShouldBe("1.2");
        instance.Tags.ShouldBe(["v1"]);
        snapshot.Skipped.ShouldBeEmpty();
    }

    [Fact]
    public async Task ReadAsync_MalformedFile_ThrowsRegistryExceptionNamingFileAndLine()
    {
        _file.WriteInPlace("{\n\"services\": [,]\n}");
        await using var registry = Create();

        var error = await Should.ThrowAsync<RegistryException>(() => registry.ReadAsync());

        error.Message.ShouldContain(_file.Path);
        error.Message.ShouldContain("line 2");
    }

    [Fact]
    public async Task Dispose_WhileFileMissing_EndsWatch()
    {
        var registry = Create();
        var recorder = new WatchRecorder(registry);
        await recorder.WaitForEventAsync<RegistryStateEvent>(_ => true, Timeout, "a state");
        await registry.DisposeAsync();
        await recorder.Pump.WaitAsync(Timeout);
        recorder.Fault.ShouldBeNull();
        await recorder.DisposeAsync();
    }
}
