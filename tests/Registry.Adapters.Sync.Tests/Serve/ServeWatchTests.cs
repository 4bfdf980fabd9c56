using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Registry.Adapters.Sync.Serve;
using Shouldly;
using Xunit;

namespace Registry.Adapters.Sync.Tests.Serve;

/// <summary><c>/v1/watch</c>: the snapshot, one event per revision, Last-Event-ID resume, and gaps that get a fresh snapshot.</summary>
public sealed class ServeWatchTests
{
    private static ServiceInstance Instance(string service, int index) => new()
    {
        Service = service,
        Id = $"{service}-{index}",
        Host = $"10.0.0.{index}",
        Ports = [new ServicePort("http", 8080, "http")],
    };

    private static async Task<(ServedMesh Mesh, InMemoryRegistry Memory)> StartAsync(ServeSettings? settings = null)
    {
        var memory = new InMemoryRegistry("memory");
        memory.Set(Instance("orders", 1));
        var mesh = await ServedMesh.StartAsync(m => m.AddInMemory(memory), settings);
        await mesh.WaitUntilAsync(s => s.Find("orders") is not null, "orders in the catalog");
        return (mesh, memory);
    }

    private static long Id(SseEvent e) => long.Parse(e.Id!, CultureInfo.InvariantCulture);

    [Fact]
    public async Task Watch_Connect_SnapshotThenOneEventPerChange()
    {
        var (mesh, memory) = await StartAsync();
        await using var _ = mesh;
        await using var watch = await mesh.WatchAsync();

        var snapshot = await watch.NextAsync();
        snapshot.Type.ShouldBe("snapshot");
        Id(snapshot).ShouldBe(snapshot.Json[0].GetProperty("revision").GetInt64());
        snapshot.Json[0].GetProperty("services")[0].GetProperty("name").GetString().ShouldBe("orders");
        snapshot.Json[0].GetProperty("registries")[0].GetProperty("name").GetString().ShouldBe("memory");
        watch.Response.Content.Headers.ContentType!.MediaType.ShouldBe("text/event-stream");

        memory.Set(Instance("payments", 2));
        var change = await watch.NextChangeAsync();

        change.Type.ShouldBe("added");
        Id(change).ShouldBeGreaterThan(Id(snapshot));
        change.Json[0].GetProperty("revision").GetInt64().ShouldBe(Id(change));
        change.Json[0].GetProperty("service").GetProperty("name").GetString().ShouldBe("payments");
        change.Json[0].GetProperty("service").GetProperty("instances")[0].GetProperty("host").GetString().ShouldBe("10.0.0.2");
    }

    [Fact]
    public async Task Watch_ResumeWithLastEventId_ReplaysOnlyTheMissedRevisions()
    {
        var (mesh, memory) = await StartAsync();
        await using var _ = mesh;
        long seen;
        await using (var first = await mesh.WatchAsync())
        {
            await first.NextAsync();
            memory.Set(Instance("payments", 2));
            seen = Id(await first.NextChangeAsync());
        }

        memory.Set(Instance("billing", 3));
        await mesh.WaitUntilAsync(s => s.Find("billing") is not null, "billing in the catalog");
        await using var resumed = await mesh.WatchAsync(seen);

        var replayed = await resumed.NextChangeAsync();
        replayed.Type.ShouldBe("added");
        replayed.Json.Select(j => j.GetProperty("service").GetProperty("name").GetString()).ShouldBe(["billing"]);
        Id(replayed).ShouldBeGreaterThan(seen);
    }

    [Fact]
    public async Task Watch_ResumeFromTheFuture_FreshSnapshot()
    {
        var (mesh, _) = await StartAsync();
        await using var __ = mesh;

        await using var watch = await mesh.WatchAsync(lastEventId: 1_000_000);

        var first = await watch.NextAsync();
        first.Type.ShouldBe("snapshot");
        Id(first).ShouldBe(mesh.Catalog.Current.Revision);
    }

    [Fact]
    public async Task Watch_GapNoLongerReplayable_FreshSnapshot()
    {
        var (mesh, memory) = await StartAsync(new ServeSettings { Listen = ListenAddress.Parse("127.0.0.1:0"), ReplayEvents = 1 });
        await using var _ = mesh;
        long seen;
        await using (var first = await mesh.WatchAsync())
        {
            await first.NextAsync();
            memory.Set(Instance("a", 2));
            seen = Id(await first.NextChangeAsync());
            memory.Set(Instance("b", 3));
            await first.NextChangeAsync();
            memory.Set(Instance("c", 4));
            await first.NextChangeAsync();
        }

        await using var resumed = await mesh.WatchAsync(seen);

        var next = await resumed.NextAsync();
        next.Type.ShouldBe("snapshot");
        next.Json[0].GetProperty("services").EnumerateArray().Select(s => s.GetProperty("name").GetString()).ShouldBe(["a", "b", "c", "orders"]);
    }

    [Fact]
    public async Task Watch_RegistryFails_RegistriesEventWithoutIdAndStaleInstances()
    {
        var (mesh, memory) = await StartAsync();
        await using var _ = mesh;
        await using var watch = await mesh.WatchAsync();
        await watch.NextAsync();

        memory.Fail("connection refused");
        var events = new List<SseEvent>();
        while (!events.Any(e => e.Type == "registries" && e.Json[0].GetProperty("registries")[0].GetProperty("state").GetString() == "stale")
            || !events.Any(e => e.Type == "updated"))
        {
            events.Add(await watch.NextAsync());
        }

        var status = events.Last(e => e.Type == "registries");
        status.Id.ShouldBeNull();
        status.Json[0].GetProperty("registries")[0].GetProperty("error").GetString()!.ShouldContain("connection refused");
        var updated = events.Last(e => e.Type == "updated");
        updated.Json[0].GetProperty("service").GetProperty("instances")[0].GetProperty("stale").GetBoolean().ShouldBeTrue();
    }

    [Fact]
    public async Task Watch_MoreThanMaxClients_ServiceUnavailable()
    {
        var (mesh, _) = await StartAsync(new ServeSettings { Listen = ListenAddress.Parse("127.0.0.1:0"), MaxSseClients = 1 });
        await using var __ = mesh;
        await using var first = await mesh.WatchAsync();
        (await first.NextAsync()).Type.ShouldBe("snapshot");

        await using var second = await mesh.WatchAsync();

        ((int)second.Response.StatusCode).ShouldBe(503);
        second.Response.Headers.RetryAfter.ShouldNotBeNull();
    }

    [Fact]
    public async Task Hub_ClientNotReading_DroppedWhenItsQueueIsFull()
    {
        var (mesh, memory) = await StartAsync(new ServeSettings { Listen = ListenAddress.Parse("127.0.0.1:0"), SseClientBuffer = 2 });
        await using var _ = mesh;
        var subscription = mesh.Hub.Subscribe(null)!;
        var reading = mesh.Hub.Subscribe(null)!;
        var received = 0;
        var drain = Task.Run(async () =>
        {
            await foreach (var item in reading.Client.Events.ReadAllAsync())
            {
                Interlocked.Increment(ref received);
            }
        });

        for (var i = 0; i < 5; i++)
        {
            var expected = i + 1;
            memory.Set(Instance("svc" + i, 10 + i));
            await mesh.WaitUntilAsync(_ => Volatile.Read(ref received) >= expected, "the reading client got the change");
        }

        // The queued events can still be read; then the stream ends with the drop.
        await Should.ThrowAsync<SlowClientException>(async () =>
        {
            await foreach (var item in subscription.Client.Events.ReadAllAsync().WithCancellation(new CancellationTokenSource(ServedMesh.Timeout).Token))
            {
                item.ShouldNotBeEmpty();
            }
        });
        mesh.Hub.ClientCount.ShouldBe(1);
        reading.Client.Dispose();
        await drain.WaitAsync(ServedMesh.Timeout);
    }
}
