using System.Collections.Frozen;
using System.Collections.Immutable;
using Microsoft.Extensions.Primitives;

namespace Registry.Adapters;

/// <summary>
/// The catalog at one revision: a persistent map of services (shared with its neighbours revisions), the registry
/// statuses and the conflicts. Immutable once published; its change token fires when a newer snapshot replaces it.
/// </summary>
#pragma warning disable CA1001 // The token source has no timer or wait handle; like YARP's config snapshots it is left to the GC once fired.
internal sealed class CatalogSnapshot : MeshSnapshot
#pragma warning restore CA1001
{
    private readonly FrozenDictionary<string, AliasTarget> _aliases;
    private readonly CancellationTokenSource _replaced = new();
    private MeshService[]? _sorted;

    public CatalogSnapshot(
        long revision,
        ServiceMap services,
        ImmutableArray<RegistryStatus> registries,
        ImmutableArray<NameConflict> conflicts,
        FrozenDictionary<string, AliasTarget> aliases)
    {
        Revision = revision;
        Services = services;
        Registries = registries;
        Conflicts = conflicts;
        _aliases = aliases;
        ChangeToken = new CancellationChangeToken(_replaced.Token);
    }

    /// <inheritdoc />
    public override long Revision { get; }

    /// <inheritdoc />
    public override int ServiceCount => Services.Count;

    /// <inheritdoc />
    public override ImmutableArray<RegistryStatus> Registries { get; }

    /// <inheritdoc />
    public override ImmutableArray<NameConflict> Conflicts { get; }

    /// <summary>The services by name.</summary>
    public ServiceMap Services { get; }

    /// <summary>Fires when a newer snapshot replaces this one.</summary>
    public IChangeToken ChangeToken { get; }

    /// <summary>Cancelled when a newer snapshot replaces this one.</summary>
    public CancellationToken ReplacedToken => _replaced.Token;

    /// <inheritdoc />
    public override IReadOnlyList<MeshService> GetServices()
    {
        var sorted = Volatile.Read(ref _sorted);
        if (sorted is not null)
        {
            return sorted;
        }

        // Sorted lazily, once per snapshot: most snapshots are only ever read through Find/Resolve.
        var list = new List<MeshService>(Services.Count);
        Services.CopyTo(list);
        list.Sort(static (a, b) => string.CompareOrdinal(a.Name, b.Name));
        sorted = [.. list];
        return Interlocked.CompareExchange(ref _sorted, sorted, null) ?? sorted;
    }

    /// <inheritdoc />
    public override MeshService? Find(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        var service = Services.Find(name);
        if (service is null && _aliases.Count != 0 && _aliases.TryGetValue(name, out var target))
        {
            service = Services.Find(target.Name, target.Hash);
        }

        return service;
    }

    /// <summary>Fires the change token; called once, after the successor is published.</summary>
    public void MarkReplaced() => _replaced.Cancel();
}

/// <summary>An alias target with its precomputed hash, so an alias resolves without hashing twice.</summary>
/// <param name="Name">The mesh name the alias points to.</param>
/// <param name="Hash">Its <see cref="NameHash"/>.</param>
internal sealed record AliasTarget(string Name, uint Hash);
