using System.Collections.Immutable;

namespace Registry.Adapters;

/// <summary>Registry states: ready, stale (last-known-good kept), failed, and eviction of stale instances.</summary>
internal sealed partial class MeshCatalog
{
    /// <summary>The registry delivered a full snapshot: it is ready, and nothing of it is stale any more.</summary>
    private void MarkSynced(RegistryEntry entry)
    {
        if (entry.State != RegistryState.Ready)
        {
            if (entry.State is RegistryState.Stale or RegistryState.Failed)
            {
                Log.RegistryRecovered(_logger, entry.Name);
            }

            entry.State = RegistryState.Ready;
            entry.Error = null;
            entry.Since = null;
            entry.Dirty = true;
        }

        entry.HasSynced = true;
        entry.StaleSources = null;
        CancelEviction(entry);
    }

    /// <summary>
    /// The watch failed: a synced registry goes stale and keeps its data (only <paramref name="staleServices"/>' when the
    /// backend names them); one that never synced fails.
    /// </summary>
    private void Fail(RegistryEntry entry, string error, IReadOnlyCollection<string>? staleServices = null)
    {
        error = Registry.Adapters.Backends.SecretScrubber.Scrub(error);
        if (entry.HasSynced)
        {
            var wasStale = entry.State == RegistryState.Stale;
            if (!wasStale)
            {
                entry.State = RegistryState.Stale;
                entry.Since = _time.GetUtcNow();
                entry.StaleEpoch++;
                ScheduleEviction(entry);
                Log.RegistryStale(_logger, entry.Name, error);
            }

            // Each report replaces the set: null is the whole registry, else exactly the services named.
            if (staleServices is null)
            {
                entry.StaleSources = null;
                SetStale(entry, stale: true);
            }
            else
            {
                entry.StaleSources = new HashSet<string>(staleServices, StringComparer.Ordinal);
                SetStale(entry, stale: true, entry.StaleSources);
            }
        }
        else if (entry.State != RegistryState.Failed)
        {
            entry.State = RegistryState.Failed;
            entry.Since = _time.GetUtcNow();
            Log.RegistryFailed(_logger, entry.Name, error);
        }

        if (!string.Equals(entry.Error, error, StringComparison.Ordinal))
        {
            entry.Error = error;
            entry.Dirty = true;
        }

        entry.Dirty = true;
    }

    /// <summary>A stale registry is connected again or sent data: its last-known-good instances are current again.</summary>
    private void Recover(RegistryEntry entry)
    {
        SetStale(entry, stale: false);
        MarkSynced(entry);
    }

    /// <summary>Sets the stale flag of the registry's instances: of all, or (with <paramref name="only"/>) true for those sources and false for the rest.</summary>
    private void SetStale(RegistryEntry entry, bool stale, HashSet<string>? only = null)
    {
        List<(string Source, ImmutableArray<MeshInstance> Instances)>? updates = null;
        foreach (var (source, service) in entry.Sources)
        {
            var instances = service.Instances;
            var target = only is null ? stale : stale && only.Contains(source);
            var builder = default(ImmutableArray<MeshInstance>.Builder);
            for (var i = 0; i < instances.Length; i++)
            {
                if (instances[i].Stale != target)
                {
                    builder ??= instances.ToBuilder();
                    builder[i] = instances[i] with { Stale = target };
                }
            }

            if (builder is not null)
            {
                (updates ??= []).Add((source, builder.MoveToImmutable()));
            }
        }

        foreach (var (source, instances) in updates ?? [])
        {
            SetSource(entry, source, instances);
        }
    }

    private void ScheduleEviction(RegistryEntry entry)
    {
        CancelEviction(entry);
        if (_staleEvictionAfter is not { } after)
        {
            return;
        }

        var epoch = entry.StaleEpoch;
        entry.EvictionTimer = _time.CreateTimer(
            static state =>
            {
                var (catalog, registry, staleEpoch) = ((MeshCatalog, RegistryEntry, long))state!;
                catalog.Evict(registry, staleEpoch);
            },
            (this, entry, epoch),
            after,
            Timeout.InfiniteTimeSpan);
    }

    private static void CancelEviction(RegistryEntry entry)
    {
        entry.EvictionTimer?.Dispose();
        entry.EvictionTimer = null;
    }

    private void Evict(RegistryEntry entry, long epoch)
    {
        CatalogSnapshot? replaced;
        lock (_gate)
        {
            if (_disposed || entry.State != RegistryState.Stale || entry.StaleEpoch != epoch)
            {
                return;
            }

            Log.StaleEvicted(_logger, entry.Name, entry.InstanceCount, _staleEvictionAfter ?? TimeSpan.Zero);
            if (entry.StaleSources is { } failing)
            {
                // Only the failing services' data is old; the rest is current.
                foreach (var source in failing)
                {
                    SetSource(entry, source, []);
                }

                entry.Dirty = true;
                CancelEviction(entry);
                replaced = Commit();
                goto Done;
            }

            foreach (var source in entry.Sources.Keys.ToList())
            {
                SetSource(entry, source, []);
            }

            entry.Held = null;
            entry.HasSynced = false;
            entry.State = RegistryState.Failed;
            entry.Dirty = true;
            CancelEviction(entry);
            replaced = Commit();
        }

    Done:
        replaced?.MarkReplaced();
    }
}
