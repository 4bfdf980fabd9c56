using System.Runtime.CompilerServices;
using Microsoft.Extensions.DependencyInjection;
using Registry.Adapters.Hosting;
using Shouldly;
using Xunit;

namespace Registry.Adapters.Tests.Hosting;

public sealed class MeshHostedServiceTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    private static ServiceInstance Instance(string service, int index) => new()
    {
        Service = service,
        Id = $"{service}-{index}",
        Host = $"10.0.0.{index}",
        Ports = [new ServicePort("http", 8080, "http")],
    };

    private static (ServiceProvider Provider, MeshHostedService Hosted, MeshCatalog Catalog) Build(Action<IMeshRegistryBuilder> configure)
    {
        var services = new ServiceCollection();
        services.AddMeshRegistry(configure);
        var provider = services.BuildServiceProvider();
        var hosted = provider.GetRequiredService<MeshHostedService>();
        hosted.BackoffFactory = static () => new RetryBackoff(TimeSpan.FromMilliseconds(5), TimeSpan.FromMilliseconds(20));
        return (provider, hosted, provider.GetRequiredService<MeshCatalog>());
    }

    private static async Task WaitUntilAsync(Func<bool> condition, string because)
    {
        using var timeout = new CancellationTokenSource(Timeout);
        while (!condition())
        {
            timeout.IsCancellationRequested.ShouldBeFalse($"timed out waiting for: {because}");
            await Task.Delay(20);
        }
    }

    [Fact]
    public async Task Watch_OneRegistryThrows_OtherKeepsWorkingAndThrowerIsRestarted()
    {
        var memory = new InMemoryRegistry("memory");
        memory.Set(Instance("orders", 1));
        var thrower = new ThrowingRegistry("bad");
        var (provider, hosted, catalog) = Build(mesh => mesh
            .AddRegistry(new RegistryDefinition("bad", "test", _ => thrower))
            .AddInMemory(memory));
        await using var _ = provider;

        await hosted.StartAsync(CancellationToken.None);
        await WaitUntilAsync(() => thrower.Watches >= 3, "the throwing watch is restarted");
        await WaitUntilAsync(() => catalog.Resolve("orders").Length == 1, "orders from the healthy registry");

        memory.Set(Instance("orders", 2));
        await WaitUntilAsync(() => catalog.Resolve("orders").Length == 2, "the healthy registry keeps flowing");
        var bad = catalog.Current.Registries.Single(r => r.Name == "bad");
        bad.State.ShouldBe(RegistryState.Failed);
        bad.Error.ShouldNotBeNull();
        bad.Error.ShouldContain("boom");
        catalog.Current.Registries.Single(r => r.Name == "memory").State.ShouldBe(RegistryState.Ready);

        await hosted.StopAsync(CancellationToken.None);
        thrower.Disposed.ShouldBeTrue();
    }

    [Fact]
    public async Task Start_FactoryThrows_RegistryFailedOthersRun()
    {
        var memory = new InMemoryRegistry("memory");
        memory.Set(Instance("orders", 1));
        var (provider, hosted, catalog) = Build(mesh => mesh
            .AddRegistry(new RegistryDefinition("broken", "test", _ => throw new InvalidOperationException("no client")))
            .AddInMemory(memory));
        await using var _ = provider;

        await hosted.StartAsync(CancellationToken.None);

        (await catalog.WaitForInitialSyncAsync().WaitAsync(Timeout)).ShouldBeFalse("one registry failed");
        var broken = catalog.Current.Registries.Single(r => r.Name == "broken");
        broken.State.ShouldBe(RegistryState.Failed);
        broken.Error!.ShouldContain("could not be created: InvalidOperationException: no client");
        await WaitUntilAsync(() => catalog.Resolve("orders").Length == 1, "orders from the working registry");
        await hosted.StopAsync(CancellationToken.None);
    }

    [Fact]
    public async Task Watch_EndsUnexpectedly_ReportedAndRestarted()
    {
        var ending = new EndingRegistry("ending");
        var (provider, hosted, catalog) = Build(mesh => mesh.AddRegistry(new RegistryDefinition("ending", "test", _ => ending)));
        await using var _ = provider;

        await hosted.StartAsync(CancellationToken.None);

        await WaitUntilAsync(() => ending.Watches >= 2, "the ended watch is restarted");
        await WaitUntilAsync(() => catalog.Resolve("orders").Length == 1, "its snapshot applied");
        await hosted.StopAsync(CancellationToken.None);
        ending.Disposed.ShouldBeTrue();
    }

    [Fact]
    public async Task Stop_CancelsWatchesAndDisposesRegistries()
    {
        var blocking = new EndingRegistry("blocking") { BlockAfterSnapshot = true };
        var (provider, hosted, catalog) = Build(mesh => mesh.AddRegistry(new RegistryDefinition("blocking", "test", _ => blocking)));
        await using var _ = provider;
        await hosted.StartAsync(CancellationToken.None);
        (await catalog.WaitForInitialSyncAsync().WaitAsync(Timeout)).ShouldBeTrue();

        await hosted.StopAsync(CancellationToken.None).WaitAsync(Timeout);

        blocking.Disposed.ShouldBeTrue();
        blocking.Cancelled.ShouldBeTrue();
        blocking.Watches.ShouldBe(1);
    }

    private sealed class ThrowingRegistry(string name) : IServiceRegistry
    {
        private int _watches;

        public int Watches => Volatile.Read(ref _watches);

        public bool Disposed { get; private set; }

        public string Name => name;

        public string Kind => "test";

        public Task<RegistrySnapshot> ReadAsync(CancellationToken cancellationToken = default) => throw new RegistryException("boom");

        public async IAsyncEnumerable<RegistryEvent> WatchAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
        {
            Interlocked.Increment(ref _watches);
            yield return new RegistryStateEvent(RegistryConnectionState.Connecting);
            await Task.Yield();
            throw new InvalidOperationException("boom");
        }

        public ValueTask DisposeAsync()
        {
            Disposed = true;
            return ValueTask.CompletedTask;
        }
    }

    private sealed class EndingRegistry(string name) : IServiceRegistry
    {
        private int _watches;

        public bool BlockAfterSnapshot { get; init; }

        public int Watches => Volatile.Read(ref _watches);

        public bool Disposed { get; private set; }

        public bool Cancelled { get; private set; }

        public string Name => name;

        public string Kind => "test";

        public Task<RegistrySnapshot> ReadAsync(CancellationToken cancellationToken = default) => Task.FromResult(Snapshot());

        public async IAsyncEnumerable<RegistryEvent> WatchAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
        {
            Interlocked.Increment(ref _watches);
            yield return new RegistryStateEvent(RegistryConnectionState.Connected);
            yield return new RegistrySnapshotEvent(Snapshot());
            if (BlockAfterSnapshot)
            {
                try
                {
                    await Task.Delay(System.Threading.Timeout.Infinite, cancellationToken);
                }
                catch (OperationCanceledException)
                {
                    Cancelled = true;
                    throw;
                }
            }
        }

        public ValueTask DisposeAsync()
        {
            Disposed = true;
            return ValueTask.CompletedTask;
        }

        private static RegistrySnapshot Snapshot() => new()
        {
            Services = new Dictionary<string, IReadOnlyList<ServiceInstance>> { ["orders"] = [Instance("orders", 1)] },
        };
    }
}
