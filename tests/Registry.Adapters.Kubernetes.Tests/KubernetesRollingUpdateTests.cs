using Registry.Adapters.Testing;
using Shouldly;
using Xunit;

namespace Registry.Adapters.Kubernetes.Tests;

public sealed class KubernetesRollingUpdateTests : IAsyncLifetime
{
    private const int Slices = 10;
    private const int PerSlice = 100;
    private KubernetesTestHost _host = null!;

    public async Task InitializeAsync() => _host = await KubernetesTestHost.StartAsync();

    public async Task DisposeAsync() => await _host.DisposeAsync();

    [Fact]
    public async Task Watch_RollingUpdateOf1000EndpointsOver10Slices_EndsWithTheNewPodsOnly()
    {
        var server = _host.Server;
        server.PutService(K8sObjects.Service("shop", "big", ports: [("http", 80)]));
        for (var s = 0; s < Slices; s++)
        {
            server.PutSlice(K8sObjects.Slice("shop", "big", $"big-old-{s}", Pods("old", s, ready: true)));
        }

        await using var registry = _host.CreateRegistry(o => o.PageSize = 3);
        await using var recorder = new WatchRecorder(registry);
        await recorder.WaitForViewAsync(v => v.TryGetValue("big.shop", out var b) && b.Count == Slices * PerSlice, TimeSpan.FromSeconds(30), "1000 old endpoints");

        for (var s = 0; s < Slices; s++)
        {
            // The controller adds the new pods, then old ones terminate (still serving), then the old slice goes.
            // The first new pod is also listed in the old slice while it moves over: one endpoint in two slices.
            var fresh = Pods("new", s, ready: true);
            server.PutSlice(K8sObjects.Slice("shop", "big", $"big-new-{s}", fresh));
            server.PutSlice(K8sObjects.Slice("shop", "big", $"big-old-{s}", [.. Pods("old", s, ready: false), fresh[0] with { Ready = false, Serving = true, Terminating = true }]));
            server.DeleteSlice("shop", $"big-old-{s}");
        }

        await recorder.WaitForViewAsync(
            v => v.TryGetValue("big.shop", out var b) && b.Count == Slices * PerSlice && b.All(i => i.Id.StartsWith("new-", StringComparison.Ordinal)),
            TimeSpan.FromSeconds(30),
            "1000 new endpoints, no old ones");
        var final = recorder.View["big.shop"];
        final.ShouldAllBe(i => i.Health == HealthStatus.Healthy);
        final.Select(i => i.Host).Distinct().Count().ShouldBe(Slices * PerSlice);

        var changes = recorder.Events.OfType<ServiceChangedEvent>().Where(c => c.Service == "big.shop").ToList();
        changes.Count.ShouldBeLessThanOrEqualTo(Slices * 3, "at most one change per slice write");
        foreach (var change in changes)
        {
            change.Instances.Select(i => i.Id).Distinct().Count().ShouldBe(change.Instances.Count, "ids are unique in every change");
            change.Instances.Select(i => (i.Host, i.Ports[0].Port)).Distinct().Count().ShouldBe(change.Instances.Count, "an endpoint in two slices is one instance");
        }

        recorder.SnapshotCount.ShouldBe(1);
    }

    [Fact]
    public async Task MeshCatalog_RollingUpdate_CoalescesChangesAndEndsRight()
    {
        var server = _host.Server;
        for (var s = 0; s < Slices; s++)
        {
            server.PutSlice(K8sObjects.Slice("shop", "big", $"big-old-{s}", Pods("old", s, ready: true)));
        }

        var replay = new ReplayRegistry("kubernetes", "kubernetes");
        await using var mesh = await MeshTestHost.StartAsync(
            m => m.AddTestRegistry(replay, priority: 0),
            o =>
            {
                o.ChangeQuietPeriod = TimeSpan.FromMilliseconds(300);
                o.ChangeMaxDelay = TimeSpan.FromSeconds(10);
            });
        var catalog = mesh.Catalog;
        await using var registry = _host.CreateRegistry();
        using var stop = new CancellationTokenSource();
        var registryChanges = 0;
        var pump = Task.Run(async () =>
        {
            try
            {
                await foreach (var item in registry.WatchAsync(stop.Token))
                {
                    if (item is ServiceChangedEvent)
                    {
                        Interlocked.Increment(ref registryChanges);
                    }

                    await replay.ApplyAsync(item);
                }
            }
            catch (OperationCanceledException)
            {
            }
        });
        (await catalog.WaitForInitialSyncAsync()).ShouldBeTrue();
        catalog.Resolve("big.shop").Length.ShouldBe(Slices * PerSlice, "the default mesh name of a Kubernetes service is {service}.{namespace}");

        var batches = new List<MeshChangeBatch>();
        using var watchStop = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var watch = Task.Run(async () =>
        {
            try
            {
                await foreach (var batch in catalog.WatchAsync(watchStop.Token))
                {
                    lock (batches)
                    {
                        batches.Add(batch);
                    }

                    if (catalog.Resolve("big.shop") is { Length: Slices * PerSlice } now && now.All(i => i.Instance.Id.StartsWith("new-", StringComparison.Ordinal)))
                    {
                        return;
                    }
                }
            }
            catch (OperationCanceledException)
            {
            }
        });

        for (var s = 0; s < Slices; s++)
        {
            var fresh = Pods("new", s, ready: true);
            server.PutSlice(K8sObjects.Slice("shop", "big", $"big-new-{s}", fresh));
            server.PutSlice(K8sObjects.Slice("shop", "big", $"big-old-{s}", Pods("old", s, ready: false)));
            server.DeleteSlice("shop", $"big-old-{s}");
        }

        await watch;
        var final = catalog.Resolve("big.shop");
        final.Length.ShouldBe(Slices * PerSlice);
        final.ShouldAllBe(i => i.Instance.Id.StartsWith("new-", StringComparison.Ordinal) && i.Instance.Health == HealthStatus.Healthy);
        var updates = batches.Count(b => b.Changes.Any(c => c.Service.Name == "big.shop"));
        updates.ShouldBeLessThan(Math.Max(2, registryChanges), $"catalog batches coalesce the registry's {registryChanges} changes");
        await stop.CancelAsync();
        await pump;
    }

    private static Ep[] Pods(string generation, int slice, bool ready) =>
        [.. Enumerable.Range(0, PerSlice).Select(i =>
        {
            var n = (slice * PerSlice) + i;
            var octet = generation == "old" ? 1 : 2;
            return new Ep($"10.{octet}.{n / 250}.{(n % 250) + 1}", $"{generation}-{n}", Ready: ready, Serving: true, Terminating: !ready);
        })];
}
