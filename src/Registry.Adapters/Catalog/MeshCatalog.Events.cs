using System.Collections.Immutable;

namespace Registry.Adapters;

/// <summary>Applying registry events.</summary>
internal sealed partial class MeshCatalog
{
    /// <summary>Applies one watch event of a registry. Thread-safe; events of one registry must come in order.</summary>
    /// <param name="registry">The registry name.</param>
    /// <param name="registryEvent">The event.</param>
    /// <exception cref="ArgumentException">The registry was not added.</exception>
    public void Apply(string registry, RegistryEvent registryEvent)
    {
        ArgumentNullException.ThrowIfNull(registry);
        ArgumentNullException.ThrowIfNull(registryEvent);
        CatalogSnapshot? replaced;
        using var activity = registryEvent is RegistrySnapshotEvent full ? MeshTelemetry.StartSnapshot(registry, full) : null;
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            var entry = GetEntry(registry);
            switch (registryEvent)
            {
                case RegistrySnapshotEvent snapshot:
                    ApplySnapshot(entry, snapshot);
                    break;
                case ServiceChangedEvent change:
                    ApplyServiceChange(entry, change);
                    break;
                case RegistryStateEvent state:
                    ApplyState(entry, state.State, state.Error, state.StaleServices);
                    break;
                case RecordSkippedEvent { Record: { } record }:
                    // The registry logged it when it skipped it (WatchPublisher); the catalog only keeps it.
                    entry.AddSkipped(record);
                    break;
                default:
                    break;
            }

            replaced = Commit();
        }

        activity?.SetTag("mesh.catalog.revision", Volatile.Read(ref _current).Revision);
        replaced?.MarkReplaced();
    }

    /// <summary>Marks a registry failed or stale with an error (the hosted service calls this when a watch throws).</summary>
    /// <param name="registry">The registry name.</param>
    /// <param name="error">The error, without secrets.</param>
    /// <exception cref="ArgumentException">The registry was not added.</exception>
    public void ReportFailure(string registry, string error)
    {
        ArgumentNullException.ThrowIfNull(registry);
        CatalogSnapshot? replaced;
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            ApplyState(GetEntry(registry), RegistryConnectionState.Failed, error);
            replaced = Commit();
        }

        replaced?.MarkReplaced();
    }

    private void ApplySnapshot(RegistryEntry entry, RegistrySnapshotEvent snapshotEvent)
    {
        var snapshot = snapshotEvent.Snapshot ?? RegistrySnapshot.Empty;

        // A snapshot carries the registry's complete set of skipped records: it replaces the ones held, so a resync
        // does not count a record again. The registry logged them; the catalog only keeps them.
        entry.ResetSkipped(snapshot.Skipped ?? []);

        var services = snapshot.Services ?? RegistrySnapshot.Empty.Services;
        var incoming = new Dictionary<string, ImmutableArray<MeshInstance>>(services.Count, StringComparer.Ordinal);
        entry.Sources.EnsureCapacity(services.Count);
        entry.Slots.EnsureCapacity(services.Count);
        foreach (var (source, instances) in services)
        {
            if (source is null)
            {
                continue;
            }

            var current = entry.Sources.TryGetValue(source, out var existing) ? existing.Instances : [];
            var built = BuildInstances(entry, source, instances ?? [], snapshot.Revision, current);
            if (!built.IsEmpty)
            {
                incoming[source] = built;
            }
        }

        entry.Revision = snapshot.Revision ?? entry.Revision;
        if (entry.Held is null && ExceedsDropGuard(entry, incoming, out var dropped))
        {
            var total = entry.InstanceCount;
            entry.Held = incoming;
            entry.Dirty = true;
            Log.SnapshotHeldBack(_logger, entry.Name, dropped, total, entry.DropGuardRatio ?? 0);

            // Honest while it lasts: the kept instances are not what the backend reports now.
            Fail(entry, string.Create(
                System.Globalization.CultureInfo.InvariantCulture,
                $"a resync would drop {dropped} of {total} instances at once; held back by DropGuardRatio {entry.DropGuardRatio ?? 0} until the registry refills or a second snapshot confirms it"));
            return;
        }

        if (entry.Held is not null)
        {
            Log.HeldSnapshotReplaced(_logger, entry.Name, incoming.Count);
        }

        ReplaceAll(entry, incoming);
        MarkSynced(entry);
    }

    private void ApplyServiceChange(RegistryEntry entry, ServiceChangedEvent change)
    {
        if (change.Service is null)
        {
            return;
        }

        var current = entry.Sources.TryGetValue(change.Service, out var existing) ? existing.Instances : [];
        var built = BuildInstances(entry, change.Service, change.Instances ?? [], change.Revision, current);
        entry.Revision = change.Revision ?? entry.Revision;
        if (entry.Held is { } held)
        {
            // A per-service change while a snapshot is held back updates both the live data and the held snapshot;
            // once the held snapshot no longer drops more than the guard allows (the backend refilled), it is applied.
            if (built.IsEmpty)
            {
                held.Remove(change.Service);
            }
            else
            {
                held[change.Service] = built;
            }

            if (!ExceedsDropGuard(entry, held, out _))
            {
                Log.HeldSnapshotApplied(_logger, entry.Name);
                ReplaceAll(entry, held);
                MarkSynced(entry);
                return;
            }
        }

        SetSource(entry, change.Service, built);
        if (entry.State == RegistryState.Stale && entry.Held is null)
        {
            // A whole-registry failure ends with any data; a per-service one only when its last failing service reports.
            if (entry.StaleSources is { } failing)
            {
                failing.Remove(change.Service);
                if (failing.Count > 0)
                {
                    return;
                }
            }

            Recover(entry);
        }
    }

    private void ApplyState(RegistryEntry entry, RegistryConnectionState state, string? error, IReadOnlyCollection<string>? staleServices = null)
    {
        switch (state)
        {
            case RegistryConnectionState.Connected when entry.State == RegistryState.Stale && entry.Held is null:
                Recover(entry);
                break;
            case RegistryConnectionState.Connected when entry.State == RegistryState.Failed:
                entry.State = RegistryState.Syncing;
                entry.Error = null;
                entry.Since = null;
                entry.Dirty = true;
                break;
            case RegistryConnectionState.Retrying or RegistryConnectionState.Failed:
                Fail(entry, string.IsNullOrWhiteSpace(error) ? $"registry watch is {state.ToString().ToLowerInvariant()}" : error, staleServices);
                break;
            default:
                break;
        }
    }

    /// <summary>Keeps and logs a record the catalog itself skipped (an invalid instance, a mesh name that is not valid).</summary>
    private void Skip(RegistryEntry entry, SkippedRecord record)
    {
        entry.AddSkipped(record);
        Log.RecordSkipped(_logger, entry.Name, record.Key, record.Reason);
    }

    /// <summary>Makes the registry's data exactly <paramref name="incoming"/>.</summary>
    private void ReplaceAll(RegistryEntry entry, Dictionary<string, ImmutableArray<MeshInstance>> incoming)
    {
        entry.Held = null;
        entry.Dirty = true;
        List<string>? gone = null;
        foreach (var source in entry.Sources.Keys)
        {
            if (!incoming.ContainsKey(source))
            {
                (gone ??= []).Add(source);
            }
        }

        foreach (var source in gone ?? [])
        {
            SetSource(entry, source, []);
        }

        foreach (var (source, instances) in incoming)
        {
            SetSource(entry, source, instances);
        }
    }

    private static bool ExceedsDropGuard(RegistryEntry entry, Dictionary<string, ImmutableArray<MeshInstance>> incoming, out int dropped)
    {
        dropped = 0;
        if (entry.DropGuardRatio is not { } ratio || !entry.HasSynced || entry.InstanceCount == 0)
        {
            return false;
        }

        foreach (var (source, service) in entry.Sources)
        {
            if (service.MeshName is null)
            {
                continue;
            }

            dropped += incoming.TryGetValue(source, out var next) ? CountMissing(service.Instances, next) : service.Instances.Length;
        }

        return dropped > ratio * entry.InstanceCount;
    }

    /// <summary>Counts the ids of <paramref name="before"/> absent from <paramref name="after"/>; both are sorted by id.</summary>
    private static int CountMissing(ImmutableArray<MeshInstance> before, ImmutableArray<MeshInstance> after)
    {
        int missing = 0, j = 0;
        foreach (var instance in before)
        {
            while (j < after.Length && string.CompareOrdinal(after[j].Instance.Id, instance.Instance.Id) < 0)
            {
                j++;
            }

            if (j >= after.Length || !string.Equals(after[j].Instance.Id, instance.Instance.Id, StringComparison.Ordinal))
            {
                missing++;
            }
        }

        return missing;
    }
}
