using System.Collections.Immutable;
using Microsoft.Extensions.Primitives;

namespace Registry.Adapters;

/// <summary>The merged catalog of every registry in the mesh. Inject it and resolve services by mesh name.</summary>
public interface IMeshCatalog
{
    /// <summary>The current snapshot. Immutable; replaced atomically on every change.</summary>
    MeshSnapshot Current { get; }

    /// <summary>The instances of a mesh service now; empty when unknown. Lock-free and allocation-free.</summary>
    /// <param name="name">The mesh name (case-insensitive); aliases apply.</param>
    /// <returns>The merged instances.</returns>
    ImmutableArray<MeshInstance> Resolve(string name);

    /// <summary>A token that fires when <see cref="Current"/> is replaced.</summary>
    /// <returns>The change token of the current snapshot.</returns>
    IChangeToken GetChangeToken();

    /// <summary>Typed changes, coalesced with <see cref="MeshOptions.ChangeQuietPeriod"/> and <see cref="MeshOptions.ChangeMaxDelay"/>.</summary>
    /// <param name="cancellationToken">Ends the watch.</param>
    /// <returns>Batches of changes after the snapshot that was current when the watch started.</returns>
    IAsyncEnumerable<MeshChangeBatch> WatchAsync(CancellationToken cancellationToken = default);

    /// <summary>Waits until every registry has synced once or failed.</summary>
    /// <param name="cancellationToken">Ends the wait.</param>
    /// <returns><see langword="true"/> when every registry is ready; <see langword="false"/> when one failed.</returns>
    Task<bool> WaitForInitialSyncAsync(CancellationToken cancellationToken = default);
}
