using System.Collections.Concurrent;
using System.Diagnostics;
using Registry.Adapters.Testing;
using Shouldly;
using Xunit;

namespace Registry.Adapters.ServiceDiscovery.Tests;

public sealed class TracingTests : IDisposable
{
    private readonly ConcurrentQueue<Activity> _activities = new();
    private readonly ActivityListener _listener;

    public TracingTests()
    {
        _listener = new ActivityListener
        {
            ShouldListenTo = static s => s.Name is ServiceDiscoveryTelemetry.SourceName or MeshTelemetry.SourceName,
            Sample = static (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = _activities.Enqueue,
        };
        ActivitySource.AddActivityListener(_listener);
    }

    public void Dispose() => _listener.Dispose();

    [Fact]
    public async Task Resolve_Traced_SpanWithServiceAndEndpointCount()
    {
        await using var host = await MeshDiscoveryHost.StartAsync();
        await host.SetAsync("traced-orders", MeshServiceEndpointProviderTests.Instance("o1"), MeshServiceEndpointProviderTests.Instance("o2"));

        await host.ResolveAsync("http://traced-orders");

        var span = _activities.Single(a => a.OperationName == "mesh.resolve" && Equals(a.GetTagItem("mesh.service"), "traced-orders"));
        span.Source.Name.ShouldBe("Registry.Adapters.ServiceDiscovery");
        span.GetTagItem("mesh.endpoints").ShouldBe(2);
        span.GetTagItem("service.name").ShouldBe("traced-orders");
        span.Status.ShouldBe(ActivityStatusCode.Unset);
    }

    [Fact]
    public async Task Resolve_NoneEligible_SpanIsAnErrorWithType()
    {
        await using var host = await MeshDiscoveryHost.StartAsync();
        await host.SetAsync("traced-sick", MeshServiceEndpointProviderTests.Instance("o1", HealthStatus.Unhealthy));

        await Should.ThrowAsync<InvalidOperationException>(() => host.ResolveAsync("http://traced-sick"));

        var span = _activities.First(a => a.OperationName == "mesh.resolve" && Equals(a.GetTagItem("mesh.service"), "traced-sick"));
        span.Status.ShouldBe(ActivityStatusCode.Error);
        span.GetTagItem("error.type").ShouldBe("no_eligible_instance");
    }

    [Fact]
    public async Task Apply_FullSnapshot_CoreSpanWithRegistryAndRevision()
    {
        var registry = new ReplayRegistry("traced-registry");
        await using var mesh = await MeshTestHost.StartAsync(m => m.AddTestRegistry(registry, priority: 0));
        var snapshot = new RegistrySnapshot
        {
            Services = new Dictionary<string, IReadOnlyList<ServiceInstance>> { ["orders"] = [MeshServiceEndpointProviderTests.Instance("o1")] },
        };

        await registry.ApplyAsync(new RegistrySnapshotEvent(snapshot, IsResync: true));

        var span = _activities.Single(a => a.OperationName == "registry.snapshot" && Equals(a.GetTagItem("registry.name"), "traced-registry"));
        span.Source.Name.ShouldBe("Registry.Adapters");
        span.GetTagItem("registry.resync").ShouldBe(true);
        span.GetTagItem("registry.instances").ShouldBe(1);
        span.GetTagItem("mesh.catalog.revision").ShouldBe(mesh.Catalog.Current.Revision);
    }
}
