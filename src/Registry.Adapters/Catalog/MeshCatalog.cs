using System.Collections.Immutable;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Primitives;

namespace Registry.Adapters;

/// <summary>
/// The mesh catalog engine. Registries are added once, then their watch events are fed to
/// <see cref="Apply"/> (the hosted service does this); readers use <see cref="IMeshCatalog"/>.
/// </summary>
public sealed partial class MeshCatalog : IMeshCatalog, IDisposable
{
    /// <summary>Creates an empty catalog.</summary>
    /// <param name="options">Merge policies, aliases, guard and coalescing settings.</param>
    /// <param name="timeProvider">The clock (stale marking, eviction, coalescing). <value>The default value is <see cref="TimeProvider.System"/>.</value></param>
    /// <param name="logger">The logger.</param>
    public MeshCatalog(MeshOptions options, TimeProvider? timeProvider = null, ILogger<MeshCatalog>? logger = null)
    {
        throw new NotImplementedException("engine lands with the core catalog work");
    }

    /// <summary>Adds a registry to the catalog (before or after events start to flow). Its state starts as <see cref="RegistryState.Syncing"/>.</summary>
    /// <param name="name">The registry name, unique.</param>
    /// <param name="kind">The registry kind; chooses the default name template.</param>
    /// <param name="priority">The merge priority; lower wins.</param>
    /// <param name="nameTemplate">The mesh-name template, or <see langword="null"/> for the kind's default.</param>
    /// <param name="dropGuardRatio">The drop guard, or <see langword="null"/> for the mesh-wide one.</param>
    public void AddRegistry(string name, string kind, int priority, string? nameTemplate = null, double? dropGuardRatio = null) =>
        throw new NotImplementedException();

    /// <summary>Applies one watch event of a registry. Thread-safe; events of one registry must come in order.</summary>
    /// <param name="registry">The registry name.</param>
    /// <param name="registryEvent">The event.</param>
    public void Apply(string registry, RegistryEvent registryEvent) => throw new NotImplementedException();

    /// <summary>Marks a registry failed or stale with an error (the hosted service calls this when a watch throws).</summary>
    /// <param name="registry">The registry name.</param>
    /// <param name="error">The error, without secrets.</param>
    public void ReportFailure(string registry, string error) => throw new NotImplementedException();

    /// <inheritdoc />
    public MeshSnapshot Current => throw new NotImplementedException();

    /// <inheritdoc />
    public ImmutableArray<MeshInstance> Resolve(string name) => throw new NotImplementedException();

    /// <inheritdoc />
    public IChangeToken GetChangeToken() => throw new NotImplementedException();

    /// <inheritdoc />
    public IAsyncEnumerable<MeshChangeBatch> WatchAsync(CancellationToken cancellationToken = default) => throw new NotImplementedException();

    /// <inheritdoc />
    public Task<bool> WaitForInitialSyncAsync(CancellationToken cancellationToken = default) => throw new NotImplementedException();

    /// <inheritdoc />
    public void Dispose()
    {
    }
}
