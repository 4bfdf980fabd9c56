using System.Diagnostics.Metrics;
using Microsoft.Extensions.Logging.Abstractions;

namespace Registry.Adapters.Kubernetes.Tests;

/// <summary>A fake API server, a kubeconfig pointing at it, and registries built through that kubeconfig.</summary>
internal sealed class KubernetesTestHost : IAsyncDisposable
{
    private readonly List<IServiceRegistry> _registries = [];

    private KubernetesTestHost(FakeKubeApiServer server, string kubeconfig)
    {
        Server = server;
        KubeconfigPath = kubeconfig;
    }

    public FakeKubeApiServer Server { get; }

    public string KubeconfigPath { get; }

    public static async Task<KubernetesTestHost> StartAsync()
    {
        var server = await FakeKubeApiServer.StartAsync();
        return new KubernetesTestHost(server, FakeKubeconfig.Write(server.Url));
    }

    /// <summary>Options for the fake: its kubeconfig, short retry delays.</summary>
    public KubernetesRegistryOptions Options(Action<KubernetesRegistryOptions>? configure = null)
    {
        var options = new KubernetesRegistryOptions
        {
            KubeconfigPath = KubeconfigPath,
            Reconnect = { InitialDelay = TimeSpan.FromMilliseconds(50), MaxDelay = TimeSpan.FromMilliseconds(400) },
            RequestTimeout = TimeSpan.FromSeconds(20),
        };
        configure?.Invoke(options);
        return options;
    }

    public IServiceRegistry CreateRegistry(Action<KubernetesRegistryOptions>? configure = null, string name = "kubernetes", IMeterFactory? meterFactory = null, TimeProvider? time = null)
    {
        var registry = new KubernetesServiceRegistry(name, Options(configure), time ?? TimeProvider.System, NullLoggerFactory.Instance, meterFactory);
        _registries.Add(registry);
        return registry;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var registry in _registries)
        {
            await registry.DisposeAsync();
        }

        await Server.DisposeAsync();
        FakeKubeconfig.Delete(KubeconfigPath);
    }
}

/// <summary>A meter factory that hands out plain meters and remembers them, for <c>MetricCollector</c>.</summary>
internal sealed class TestMeterFactory : IMeterFactory
{
    public List<Meter> Meters { get; } = [];

    public Meter Create(MeterOptions options)
    {
        var meter = new Meter(options);
        Meters.Add(meter);
        return meter;
    }

    public void Dispose()
    {
        foreach (var meter in Meters)
        {
            meter.Dispose();
        }
    }
}
