using System.Runtime.CompilerServices;
using System.Threading.Channels;

namespace Registry.Adapters.Testing;

/// <summary>
/// A registry whose watch publishes exactly the events a test gives it — scripted ones, or the events a real backend's
/// watch produced (<see cref="WatchRecorder.Events"/>) — so that a test sees what a mesh built with
/// <c>AddMeshRegistry</c> makes of them (<see cref="MeshTestHost"/>), through the public API only.
/// </summary>
/// <remarks>
/// <see cref="ApplyAsync(IEnumerable{RegistryEvent})"/> returns once the consumer of the watch (the mesh's hosted
/// service, which applies each event to the catalog before it asks for the next) has taken every event and come back for
/// the next one: the catalog then holds them all, with no polling and no sleep. One <c>ApplyAsync</c> at a time.
/// </remarks>
/// <param name="name">The registry name.</param>
/// <param name="kind">The registry kind (<c>consul</c>, or <c>memory</c> for a scripted source).</param>
public sealed class ReplayRegistry(string name, string kind = "memory") : IServiceRegistry
{
    private readonly Channel<RegistryEvent> _events = Channel.CreateUnbounded<RegistryEvent>();
    private readonly SemaphoreSlim _consumed = new(0);
    private readonly Lock _gate = new();
    private Dictionary<string, IReadOnlyList<ServiceInstance>> _view = new(StringComparer.Ordinal);

    /// <inheritdoc />
    public string Name { get; } = name;

    /// <inheritdoc />
    public string Kind { get; } = kind;

    /// <summary>Publishes events and waits until the consumer has applied every one, bounded by <see cref="Poll.Timeout"/>.</summary>
    /// <param name="events">The events, in order.</param>
    /// <returns>A task that completes when the last event has been applied.</returns>
    public async Task ApplyAsync(IEnumerable<RegistryEvent> events)
    {
        ArgumentNullException.ThrowIfNull(events);
        var count = 0;
        foreach (var item in events)
        {
            Record(item);
            await _events.Writer.WriteAsync(item);
            count++;
        }

        using var timeout = new CancellationTokenSource(Poll.Timeout);
        for (var i = 0; i < count; i++)
        {
            try
            {
                await _consumed.WaitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException($"{Name}: {count - i} of {count} event(s) were not applied within {Poll.Timeout.TotalSeconds:0} s; is the mesh started and the registry in it?");
            }
        }
    }

    /// <summary>Publishes events and waits until the consumer has applied every one.</summary>
    /// <param name="events">The events, in order.</param>
    /// <returns>A task that completes when the last event has been applied.</returns>
    public Task ApplyAsync(params RegistryEvent[] events) => ApplyAsync((IEnumerable<RegistryEvent>)events);

    /// <summary>Publishes a service's full instance set (empty: the service is gone) and waits until it is applied.</summary>
    /// <param name="service">The service as the registry names it.</param>
    /// <param name="instances">Its instances.</param>
    /// <returns>A task that completes when the change has been applied.</returns>
    public Task SetAsync(string service, params ServiceInstance[] instances) => ApplyAsync(new ServiceChangedEvent(service, instances));

    /// <summary>Publishes a snapshot of these instances (grouped by service) and waits until it is applied.</summary>
    /// <param name="instances">The instances.</param>
    /// <returns>A task that completes when the snapshot has been applied.</returns>
    public Task SnapshotAsync(params ServiceInstance[] instances) =>
        ApplyAsync(new RegistrySnapshotEvent(new RegistrySnapshot
        {
            Services = instances.GroupBy(static i => i.Service, StringComparer.Ordinal)
                .ToDictionary(static g => g.Key, static g => (IReadOnlyList<ServiceInstance>)[.. g], StringComparer.Ordinal),
        }));

    /// <summary>Reports the registry failed (as a backend's watch does when it loses its server) and waits until it is applied.</summary>
    /// <param name="error">The error.</param>
    /// <returns>A task that completes when the state has been applied.</returns>
    public Task FailAsync(string error) => ApplyAsync(new RegistryStateEvent(RegistryConnectionState.Failed, error));

    /// <summary>The services as the events applied so far left them (a snapshot replaces all, a change one service).</summary>
    /// <param name="cancellationToken">Unused.</param>
    /// <returns>The snapshot.</returns>
    public Task<RegistrySnapshot> ReadAsync(CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            return Task.FromResult(new RegistrySnapshot { Services = new Dictionary<string, IReadOnlyList<ServiceInstance>>(_view, StringComparer.Ordinal) });
        }
    }

    /// <inheritdoc />
    public async IAsyncEnumerable<RegistryEvent> WatchAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        while (await _events.Reader.WaitToReadAsync(cancellationToken))
        {
            while (_events.Reader.TryRead(out var item))
            {
                yield return item;

                // The consumer asked for the next event: it has finished with this one.
                _consumed.Release();
            }
        }
    }

    private void Record(RegistryEvent item)
    {
        lock (_gate)
        {
            switch (item)
            {
                case RegistrySnapshotEvent snapshot:
                    _view = new Dictionary<string, IReadOnlyList<ServiceInstance>>(snapshot.Snapshot?.Services ?? new Dictionary<string, IReadOnlyList<ServiceInstance>>(), StringComparer.Ordinal);
                    break;
                case ServiceChangedEvent { Instances.Count: 0 } gone:
                    _view.Remove(gone.Service);
                    break;
                case ServiceChangedEvent changed:
                    _view[changed.Service] = changed.Instances;
                    break;
            }
        }
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync()
    {
        _events.Writer.TryComplete();
        return ValueTask.CompletedTask;
    }
}
