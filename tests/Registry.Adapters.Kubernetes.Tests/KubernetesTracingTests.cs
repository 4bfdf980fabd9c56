using System.Diagnostics;
using Registry.Adapters.Testing;
using Shouldly;
using Xunit;

namespace Registry.Adapters.Kubernetes.Tests;

/// <summary>The <c>Registry.Adapters.Kubernetes</c> activity source, seen by an <see cref="ActivityListener"/>.</summary>
public sealed class KubernetesTracingTests : IAsyncLifetime
{
    private readonly ActivityRecorder _spans = new("Registry.Adapters.Kubernetes");
    private readonly string _name = "traced-kube-" + Guid.NewGuid().ToString("N")[..8];
    private KubernetesTestHost _host = null!;

    public async Task InitializeAsync() => _host = await KubernetesTestHost.StartAsync();

    public async Task DisposeAsync()
    {
        _spans.Dispose();
        await _host.DisposeAsync();
    }

    [Fact]
    public async Task ReadAsync_Traced_OneReadSpanPerResourceList()
    {
        _host.Server.PutSliceJson(WirePayloads.BillingSliceA);
        await using var registry = _host.CreateRegistry(name: _name);

        await registry.ReadAsync();

        var spans = _spans.Of(_name);
        spans.ShouldNotBeEmpty();
        spans.ShouldAllBe(a => a.OperationName == "registry.read" && a.Status == ActivityStatusCode.Unset);
        spans.Select(a => a.GetTagItem("k8s.resource")).ShouldContain("endpointslices.discovery.k8s.io");
        var slices = spans.First(a => Equals(a.GetTagItem("k8s.resource"), "endpointslices.discovery.k8s.io"));
        slices.Source.Name.ShouldBe("Registry.Adapters.Kubernetes");
        slices.GetTagItem("registry.kind").ShouldBe("kubernetes");
        slices.GetTagItem("server.address").ShouldBe(_host.Server.Url.Host);
        slices.GetTagItem("server.port").ShouldBe(_host.Server.Url.Port);
        slices.GetTagItem("registry.items").ShouldBe(1L);
    }

    [Fact]
    public async Task ReadAsync_Unauthorized_SpanIsAnErrorWithoutTheToken()
    {
        _host.Server.RequiredToken = "another-token-for-the-span";
        _host.Server.EchoCredential = true;
        await using var registry = _host.CreateRegistry(name: _name);

        await Should.ThrowAsync<RegistryException>(() => registry.ReadAsync());

        var span = _spans.Of(_name).ShouldHaveSingleItem();
        span.Status.ShouldBe(ActivityStatusCode.Error);
        span.GetTagItem("error.type").ShouldNotBeNull();
        span.StatusDescription.ShouldNotBeNull().ShouldNotContain(FakeKubeconfig.Token);
    }
}
