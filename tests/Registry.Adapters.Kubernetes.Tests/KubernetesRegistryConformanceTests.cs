using Registry.Adapters.Testing;

namespace Registry.Adapters.Kubernetes.Tests;

/// <summary>
/// The shared registry contract against the fake API server. Each instance is one EndpointSlice (named after the
/// instance) of its service in namespace <c>default</c>, beside a Service object; source names are <c>{service}.default</c>.
/// </summary>
public sealed class KubernetesRegistryConformanceTests : ServiceRegistryConformanceTests
{
    private const string Namespace = "default";
    private KubernetesTestHost _host = null!;

    public override async Task InitializeAsync() => _host = await KubernetesTestHost.StartAsync();

    public override async Task DisposeAsync() => await _host.DisposeAsync();

    protected override Task<IServiceRegistry> CreateRegistryAsync() => Task.FromResult(_host.CreateRegistry());

    protected override ServiceInstance CreateInstance(string service, int index) => base.CreateInstance(service, index) with
    {
        Service = $"{service}.{Namespace}",
    };

    protected override Task PutAsync(ServiceInstance instance)
    {
        var service = instance.Service[..instance.Service.IndexOf('.', StringComparison.Ordinal)];
        _host.Server.PutService(K8sObjects.Service(Namespace, service, ports: [("http", 80)]));
        var slice = K8sObjects.Slice(
            Namespace,
            service,
            instance.Id,
            [new Ep(instance.Host, instance.Id)],
            [.. instance.Ports.Select(p => (p.Name, p.Port, (string?)p.Protocol))]);
        _host.Server.PutSlice(slice);
        return Task.CompletedTask;
    }

    // The API server validates an endpoint's addresses but not its targetRef; the registry skips an endpoint whose
    // instance id (the targetRef's name) holds a '/'.
    protected override Task<bool> PutInvalidAsync(string service, int index)
    {
        var instance = CreateInstance(service, index);
        _host.Server.PutService(K8sObjects.Service(Namespace, service, ports: [("http", 80)]));
        _host.Server.PutSlice(K8sObjects.Slice(Namespace, service, instance.Id, [new Ep(instance.Host, "bad/" + instance.Id)], ("http", instance.Ports[0].Port, (string?)"http")));
        return Task.FromResult(true);
    }

    protected override Task RemoveAsync(ServiceInstance instance)
    {
        _host.Server.DeleteSlice(Namespace, instance.Id);
        return Task.CompletedTask;
    }

    protected override Task ForceResyncAsync()
    {
        // Compaction makes the watch's version too old; the next watch gets the in-band ERROR 410.
        _host.Server.CompactAndCloseWatches();
        return Task.CompletedTask;
    }

    protected override Task BreakAsync()
    {
        _host.Server.Refuse = true;
        _host.Server.DropConnections();
        return Task.CompletedTask;
    }

    protected override Task HealAsync()
    {
        _host.Server.Refuse = false;
        return Task.CompletedTask;
    }
}
