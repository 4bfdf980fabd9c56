using Shouldly;
using Xunit;

namespace Registry.Adapters.Testing;

/// <summary>
/// The contract every <see cref="IServiceRegistry"/> passes, run once per backend (like Orleans'
/// MembershipTableTestsBase). A backend's test class derives from this, starts its backend (a real
/// etcd, a wire-level fake) and implements the hooks that change the backend's data from outside.
/// Instances are identified by host and first port, which every backend round-trips.
/// </summary>
public abstract class ServiceRegistryConformanceTests : IAsyncLifetime
{
    /// <summary>How long to wait for one expected event.</summary>
    protected virtual TimeSpan EventTimeout => TimeSpan.FromSeconds(20);

    /// <summary>Whether <see cref="BreakAsync"/>/<see cref="HealAsync"/> are supported; every network backend must say yes.</summary>
    protected virtual bool CanBreak => true;

    /// <summary>Creates a fresh, empty backend for one test.</summary>
    public abstract Task InitializeAsync();

    /// <summary>Tears the backend down.</summary>
    public abstract Task DisposeAsync();

    /// <summary>Creates a registry over the backend (each call a new client).</summary>
    protected abstract Task<IServiceRegistry> CreateRegistryAsync();

    /// <summary>Adds or replaces an instance in the backend, from outside the registry under test.</summary>
    protected abstract Task PutAsync(ServiceInstance instance);

    /// <summary>Removes an instance from the backend.</summary>
    protected abstract Task RemoveAsync(ServiceInstance instance);

    /// <summary>Makes the backend force a resync (etcd compaction, a 410 Gone, a Eureka hash mismatch, a file rewrite).</summary>
    protected abstract Task ForceResyncAsync();

    /// <summary>Makes the backend unreachable or failing.</summary>
    protected abstract Task BreakAsync();

    /// <summary>Makes the backend work again, with its data intact.</summary>
    protected abstract Task HealAsync();

    /// <summary>
    /// Adds, from outside the registry, a record of <paramref name="service"/> that the registry must skip (a port out
    /// of range, a malformed value): the kind of record a real backend accepts and this library must not. Returns
    /// <see langword="false"/> when the backend itself refuses to hold it (the in-memory registry throws); then nothing
    /// is skipped.
    /// </summary>
    protected abstract Task<bool> PutInvalidAsync(string service, int index);

    /// <summary>An instance the backend can round-trip. Override to fit a backend's naming rules (keep host and port distinct per index).</summary>
    protected virtual ServiceInstance CreateInstance(string service, int index) => new()
    {
        Service = service,
        Id = $"{service}-{index}",
        Host = $"10.0.{index / 250}.{(index % 250) + 1}",
        Ports = [new ServicePort("http", 8000 + index, "http")],
        Health = HealthStatus.Healthy,
    };

    /// <summary>The same instance with a visible change (a new port number).</summary>
    protected virtual ServiceInstance Modify(ServiceInstance instance) => instance with
    {
        Ports = [new ServicePort("http", instance.Ports[0].Port + 1000, "http")],
    };

    /// <summary>The identity tests compare on.</summary>
    protected static string Key(ServiceInstance instance) => $"{instance.Host}:{(instance.Ports.Count > 0 ? instance.Ports[0].Port : 0)}";

    /// <summary>Finds the view's entry for a service spelt in the source's way (case-insensitive).</summary>
    protected static IReadOnlyList<ServiceInstance>? Find(IReadOnlyDictionary<string, IReadOnlyList<ServiceInstance>> view, string service) =>
        view.FirstOrDefault(p => SameService(p.Key, service)).Value;

    /// <summary>
    /// Whether a source name is the test's service: equal (case-insensitive), or qualified by a namespace as
    /// Kubernetes spells it (<c>orders.default</c> for <c>orders</c>).
    /// </summary>
    protected static bool SameService(string sourceName, string service) =>
        string.Equals(sourceName, service, StringComparison.OrdinalIgnoreCase)
        || (sourceName.Length > service.Length + 1
            && sourceName.StartsWith(service, StringComparison.OrdinalIgnoreCase)
            && sourceName[service.Length] == '.'
            && sourceName.IndexOf('.', service.Length + 1) < 0);

    protected static bool Holds(IReadOnlyDictionary<string, IReadOnlyList<ServiceInstance>> view, string service, params ServiceInstance[] expected)
    {
        var actual = Find(view, service);
        if (expected.Length == 0)
        {
            return actual is null || actual.Count == 0;
        }

        return actual is not null && actual.Select(Key).Order().SequenceEqual(expected.Select(Key).Order());
    }

    [Fact]
    public async Task Watch_FirstEvent_IsFullSnapshotOfExistingData()
    {
        ServiceInstance[] orders = [CreateInstance("orders", 1), CreateInstance("orders", 2)];
        var payments = CreateInstance("payments", 3);
        foreach (var instance in orders.Append(payments))
        {
            await PutAsync(instance);
        }

        await using var registry = await CreateRegistryAsync();
        await using var recorder = new WatchRecorder(registry);

        await recorder.WaitForViewAsync(v => Holds(v, "orders", orders) && Holds(v, "payments", payments), EventTimeout, "the snapshot holds orders(2) and payments(1)");
        var first = recorder.Events.First(e => e is RegistrySnapshotEvent or ServiceChangedEvent);
        first.ShouldBeOfType<RegistrySnapshotEvent>().IsResync.ShouldBeFalse();
    }

    [Fact]
    public async Task ReadAsync_ReturnsEveryService()
    {
        var a = CreateInstance("orders", 1);
        var b = CreateInstance("billing", 2);
        await PutAsync(a);
        await PutAsync(b);
        await using var registry = await CreateRegistryAsync();

        RegistrySnapshot snapshot = null!;
        await Poll.UntilAsync(
            async () =>
            {
                snapshot = await registry.ReadAsync();
                return Holds(snapshot.Services, "orders", a) && Holds(snapshot.Services, "billing", b);
            },
            "a read holds orders(1) and billing(1)",
            EventTimeout);

        Holds(snapshot.Services, "orders", a).ShouldBeTrue();
        Holds(snapshot.Services, "billing", b).ShouldBeTrue();
        registry.Name.ShouldNotBeNullOrWhiteSpace();
        registry.Kind.ShouldNotBeNullOrWhiteSpace();
    }

    [Fact]
    public async Task Watch_AddChangeRemove_EmitsFullServiceSets()
    {
        var first = CreateInstance("orders", 1);
        await PutAsync(first);
        await using var registry = await CreateRegistryAsync();
        await using var recorder = new WatchRecorder(registry);
        await recorder.WaitForViewAsync(v => Holds(v, "orders", first), EventTimeout, "initial orders(1)");

        var second = CreateInstance("orders", 2);
        await PutAsync(second);
        var added = await recorder.WaitForEventAsync<ServiceChangedEvent>(
            c => SameService(c.Service, "orders") && c.Instances.Count == 2,
            EventTimeout, "a change of orders carrying both instances");
        added.Instances.Select(Key).Order().ShouldBe(new[] { Key(first), Key(second) }.Order());

        var changed = Modify(second);
        await PutAsync(changed);
        await recorder.WaitForViewAsync(v => Holds(v, "orders", first, changed), EventTimeout, "orders holds the changed instance");

        await RemoveAsync(first);
        await recorder.WaitForViewAsync(v => Holds(v, "orders", changed), EventTimeout, "orders lost the removed instance");

        await RemoveAsync(changed);
        await recorder.WaitForViewAsync(v => Holds(v, "orders"), EventTimeout, "orders is gone");
        recorder.Events.OfType<ServiceChangedEvent>().ShouldContain(c => c.Instances.Count == 0, "a removed service is an empty change");
    }

    [Fact]
    public async Task Watch_NewService_AppearsWithoutDisturbingOthers()
    {
        var orders = CreateInstance("orders", 1);
        await PutAsync(orders);
        await using var registry = await CreateRegistryAsync();
        await using var recorder = new WatchRecorder(registry);
        await recorder.WaitForViewAsync(v => Holds(v, "orders", orders), EventTimeout, "initial orders");

        var inventory = CreateInstance("inventory", 5);
        await PutAsync(inventory);
        await recorder.WaitForViewAsync(v => Holds(v, "inventory", inventory) && Holds(v, "orders", orders), EventTimeout, "inventory added, orders kept");
        recorder.Events.OfType<ServiceChangedEvent>().ShouldNotContain(c => SameService(c.Service, "orders") && c.Instances.Count == 0);
    }

    [Fact]
    public async Task Watch_ForcedResync_EmitsResyncSnapshotEqualToBackend()
    {
        var a = CreateInstance("orders", 1);
        await PutAsync(a);
        await using var registry = await CreateRegistryAsync();
        await using var recorder = new WatchRecorder(registry);
        await recorder.WaitForViewAsync(v => Holds(v, "orders", a), EventTimeout, "initial orders");

        var b = CreateInstance("orders", 2);
        await PutAsync(b);
        await ForceResyncAsync();

        var resync = await recorder.WaitForEventAsync<RegistrySnapshotEvent>(s => s.IsResync, EventTimeout, "a resync snapshot");
        resync.Snapshot.ShouldNotBeNull();
        await recorder.WaitForViewAsync(v => Holds(v, "orders", a, b), EventTimeout, "after the resync the view equals the backend");

        var c = CreateInstance("shipping", 3);
        await PutAsync(c);
        await recorder.WaitForViewAsync(v => Holds(v, "shipping", c), EventTimeout, "changes keep flowing after a resync");
    }

    [Fact]
    public async Task Watch_BackendFails_ReportsStateAndRecoversWithoutEnding()
    {
        if (!CanBreak)
        {
            return;
        }

        var a = CreateInstance("orders", 1);
        await PutAsync(a);
        await using var registry = await CreateRegistryAsync();
        await using var recorder = new WatchRecorder(registry);
        await recorder.WaitForViewAsync(v => Holds(v, "orders", a), EventTimeout, "initial orders");

        await BreakAsync();
        var failure = await recorder.WaitForEventAsync<RegistryStateEvent>(
            s => s.State is RegistryConnectionState.Retrying or RegistryConnectionState.Failed, EventTimeout, "a retrying state after the backend broke");
        failure.Error.ShouldNotBeNullOrWhiteSpace();
        recorder.Completed.ShouldBeFalse("a watch never ends on a transient fault");

        await HealAsync();
        var b = CreateInstance("orders", 2);
        await PutAsync(b);
        await recorder.WaitForViewAsync(v => Holds(v, "orders", a, b), EventTimeout, "changes after recovery arrive");
        var failures = recorder.Events.OfType<RegistryStateEvent>().Count(s => s.State != RegistryConnectionState.Connected && s.State != RegistryConnectionState.Connecting);
        await recorder.WaitForEventAsync<RegistryStateEvent>(s => s.State == RegistryConnectionState.Connected, EventTimeout, "connected again", skip: 0);
        failures.ShouldBeGreaterThan(0);
        recorder.Fault.ShouldBeNull();
    }

    [Fact]
    public async Task Watch_InvalidRecord_ReportedOnceAndNeighboursKept()
    {
        ServiceInstance[] orders = [CreateInstance("orders", 1), CreateInstance("orders", 2)];
        await PutAsync(orders[0]);
        var held = await PutInvalidAsync("orders", 3);
        await PutAsync(orders[1]);
        await using var registry = await CreateRegistryAsync();
        await using var recorder = new WatchRecorder(registry);
        await recorder.WaitForViewAsync(v => Holds(v, "orders", orders), EventTimeout, "the snapshot holds the two valid orders");
        var expected = held ? 1 : 0;
        if (held)
        {
            await recorder.WaitForSkippedAsync(_ => true, EventTimeout, "the invalid record is reported");
        }

        // More reads of the same service and of another (a poll, a blocking query, a stream event) find the invalid
        // record again: it is still reported once.
        var third = CreateInstance("orders", 4);
        await PutAsync(third);
        await recorder.WaitForViewAsync(v => Holds(v, "orders", [.. orders, third]), EventTimeout, "orders holds the third valid instance");
        var payments = CreateInstance("payments", 5);
        await PutAsync(payments);
        await recorder.WaitForViewAsync(v => Holds(v, "payments", payments), EventTimeout, "payments appears");
        recorder.Skipped.Count.ShouldBe(expected, string.Join(" | ", recorder.Skipped));

        // An invalid record added after the snapshot is one RecordSkippedEvent; its neighbours stay.
        var heldLater = await PutInvalidAsync("payments", 6);
        if (heldLater)
        {
            expected++;
            await recorder.WaitForEventAsync<RecordSkippedEvent>(_ => true, EventTimeout, "the later invalid record is reported");
        }

        var refund = CreateInstance("payments", 7);
        await PutAsync(refund);
        await recorder.WaitForViewAsync(v => Holds(v, "payments", payments, refund) && Holds(v, "orders", [.. orders, third]), EventTimeout, "both services keep their valid instances");
        recorder.Skipped.Count.ShouldBe(expected, string.Join(" | ", recorder.Skipped));
        recorder.Events.OfType<RecordSkippedEvent>().Count().ShouldBe(heldLater ? 1 : 0);

        var read = await registry.ReadAsync();
        Holds(read.Services, "orders", [.. orders, third]).ShouldBeTrue();
        Holds(read.Services, "payments", payments, refund).ShouldBeTrue();
        read.Skipped.Count.ShouldBe(expected, string.Join(" | ", read.Skipped));
    }

    [Fact]
    public async Task Dispose_EndsTheWatch()
    {
        await PutAsync(CreateInstance("orders", 1));
        var registry = await CreateRegistryAsync();
        var recorder = new WatchRecorder(registry);
        await recorder.WaitForViewAsync(v => Find(v, "orders") is not null, EventTimeout, "initial orders");

        await registry.DisposeAsync();
        var ended = await Task.WhenAny(recorder.Pump, Task.Delay(EventTimeout));
        var endedByDispose = ended == recorder.Pump;
        await recorder.DisposeAsync();
        endedByDispose.ShouldBeTrue("disposing the registry ends its watches");
    }

    [Fact]
    public async Task Watch_Cancelled_Ends()
    {
        await PutAsync(CreateInstance("orders", 1));
        await using var registry = await CreateRegistryAsync();
        using var cts = new CancellationTokenSource();
        var seen = 0;
        var pump = Task.Run(async () =>
        {
            try
            {
                await foreach (var e in registry.WatchAsync(cts.Token))
                {
                    if (e is RegistrySnapshotEvent)
                    {
                        Interlocked.Increment(ref seen);
                    }
                }
            }
            catch (OperationCanceledException)
            {
            }
        });
        await Poll.UntilAsync(() => Volatile.Read(ref seen) > 0, "the watch's first snapshot", EventTimeout);

        seen.ShouldBe(1);
        await cts.CancelAsync();
        await pump.WaitAsync(EventTimeout);
    }
}
