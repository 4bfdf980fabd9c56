namespace Registry.Adapters;

/// <summary>
/// Discovery from one service registry (Kubernetes, Consul, Eureka, etcd, a file, memory).
/// </summary>
/// <remarks>
/// <see cref="WatchAsync"/> yields a full <see cref="RegistrySnapshotEvent"/> first, then
/// <see cref="ServiceChangedEvent"/>s (the full new instance set of one service; empty means
/// the service is gone), and a fresh snapshot with <see cref="RegistrySnapshotEvent.IsResync"/>
/// set whenever the backend forces a resync. A watch never ends on a transient fault: it yields
/// a <see cref="RegistryStateEvent"/> (retrying, with the error) and reconnects with backoff.
/// It ends only when the token is cancelled or the registry is disposed.
/// </remarks>
public interface IServiceRegistry : IAsyncDisposable
{
    /// <summary>The registry's configured name (<c>consul</c>, <c>cf</c>, <c>etcd-2</c>).</summary>
    string Name { get; }

    /// <summary>The registry kind (<c>file</c>, <c>memory</c>, <c>etcd</c>, <c>consul</c>, <c>eureka</c>, <c>kubernetes</c>).</summary>
    string Kind { get; }

    /// <summary>Reads every service of the registry once, consistently (one revision where the backend has one).</summary>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The registry's full content.</returns>
    /// <exception cref="RegistryException">The registry could not be read.</exception>
    Task<RegistrySnapshot> ReadAsync(CancellationToken cancellationToken = default);

    /// <summary>Watches the registry: a snapshot first, then per-service changes, resyncs and state reports.</summary>
    /// <param name="cancellationToken">Ends the watch.</param>
    /// <returns>The events, in order.</returns>
    IAsyncEnumerable<RegistryEvent> WatchAsync(CancellationToken cancellationToken = default);
}
