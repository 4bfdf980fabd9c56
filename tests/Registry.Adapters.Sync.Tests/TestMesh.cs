using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Registry.Adapters.Sync.Tests;

/// <summary>
/// A mesh built as an app builds it (<c>AddMeshRegistry</c> on a generic host), whose registries the test scripts event
/// by event: what the console's printers and status line see, without a backend.
/// </summary>
internal sealed class TestMesh : IAsyncDisposable
{
    private readonly IHost _host;
    private readonly Dictionary<string, ScriptedRegistry> _registries;

    private TestMesh(IHost host, Dictionary<string, ScriptedRegistry> registries)
    {
        _host = host;
        _registries = registries;
        Catalog = host.Services.GetRequiredService<IMeshCatalog>();
    }

    public IMeshCatalog Catalog { get; }

    /// <summary>Starts a mesh of registries that stay syncing until the test sends them events; each is (name, kind).</summary>
    public static async Task<TestMesh> StartAsync(params (string Name, string Kind)[] registries)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        var scripted = registries.ToDictionary(static r => r.Name, static r => new ScriptedRegistry(r.Name, r.Kind), StringComparer.Ordinal);
        var mesh = builder.Services.AddMeshRegistry();
        foreach (var (name, kind) in registries)
        {
            mesh.AddRegistry(new RegistryDefinition(name, kind, _ => scripted[name]));
        }

        var host = builder.Build();
        await host.StartAsync().WaitAsync(TimeSpan.FromSeconds(30));
        return new TestMesh(host, scripted);
    }

    /// <summary>Starts a mesh of one registry and gives it a first snapshot; returns once the catalog shows it.</summary>
    public static async Task<TestMesh> WithSnapshotAsync(string name, string kind, params ServiceInstance[] instances)
    {
        var mesh = await StartAsync((name, kind));
        await mesh.SnapshotAsync(name, instances);
        return mesh;
    }

    /// <summary>Sends a registry a full snapshot and waits until the catalog has it (the registry is ready).</summary>
    public Task SnapshotAsync(string registry, params ServiceInstance[] instances) =>
        SendAsync(
            registry,
            new RegistrySnapshotEvent(new RegistrySnapshot
            {
                Services = instances.GroupBy(static i => i.Service).ToDictionary(static g => g.Key, static g => (IReadOnlyList<ServiceInstance>)[.. g]),
            }),
            s => s.Registries.Single(r => r.Name == registry).State == RegistryState.Ready);

    /// <summary>Reports a registry failed with an error, as a backend's watch does, and waits until the catalog shows it.</summary>
    public Task FailAsync(string registry, string error) =>
        SendAsync(
            registry,
            new RegistryStateEvent(RegistryConnectionState.Failed, error),
            s => s.Registries.Single(r => r.Name == registry).State == RegistryState.Failed);

    public async ValueTask DisposeAsync()
    {
        await _host.StopAsync(TimeSpan.FromSeconds(10));
        _host.Dispose();
    }

    private async Task SendAsync(string registry, RegistryEvent registryEvent, Func<MeshSnapshot, bool> applied)
    {
        await _registries[registry].Events.Writer.WriteAsync(registryEvent);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (true)
        {
            var changed = Catalog.GetChangeToken();
            if (applied(Catalog.Current))
            {
                return;
            }

            var next = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            using (changed.RegisterChangeCallback(static s => ((TaskCompletionSource)s!).TrySetResult(), next))
            {
                await next.Task.WaitAsync(timeout.Token);
            }
        }
    }

    /// <summary>A registry whose watch yields what the test writes, and nothing until then.</summary>
    private sealed class ScriptedRegistry(string name, string kind) : IServiceRegistry
    {
        public Channel<RegistryEvent> Events { get; } = Channel.CreateUnbounded<RegistryEvent>();

        public string Name => name;

        public string Kind => kind;

        public Task<RegistrySnapshot> ReadAsync(CancellationToken cancellationToken = default) => Task.FromResult(RegistrySnapshot.Empty);

        public async IAsyncEnumerable<RegistryEvent> WatchAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
        {
            await foreach (var item in Events.Reader.ReadAllAsync(cancellationToken))
            {
                yield return item;
            }
        }

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
