using System.Collections.Immutable;

namespace Registry.Adapters;

/// <summary>Merging the touched mesh services and publishing the next snapshot.</summary>
internal sealed partial class MeshCatalog
{
    /// <summary>
    /// Re-merges the touched mesh services, and publishes a new snapshot when a service, a registry status or the
    /// conflicts changed. Called under the lock; returns the replaced snapshot, whose token the caller fires after
    /// leaving the lock, or <see langword="null"/> when nothing changed.
    /// </summary>
    private CatalogSnapshot? Commit()
    {
        var services = _services;
        var watched = _watchers.Length > 0;
        var changed = 0;
        var bulk = _touched.Count >= BulkThreshold && _touched.Count >= services.Count / 8
            ? new List<MeshService>(_touched.Count)
            : null;
        var replaced = 0;
        foreach (var name in _touched)
        {
            var existing = services.Find(name);
            var merged = Merge(name, existing);
            if (bulk is not null)
            {
                replaced += existing is null ? 0 : 1;
                if (merged is not null)
                {
                    bulk.Add(merged);
                }
            }

            if (ReferenceEquals(merged, existing))
            {
                continue;
            }

            changed++;
            if (bulk is null)
            {
                services = merged is null ? services.Remove(name) : services.SetItem(merged);
            }

            if (watched)
            {
                _changes.Add(merged is null
                    ? new MeshChange(MeshChangeKind.Removed, existing! with { Instances = [] })
                    : new MeshChange(existing is null ? MeshChangeKind.Added : MeshChangeKind.Updated, merged));
            }
        }

        if (bulk is not null && changed > 0)
        {
            services = services.Rebuild(_touched, replaced, bulk);
        }

        // HashSet.Clear wipes the whole bucket array: after a big commit a fresh set keeps small commits O(change).
        if (_touched.Count > BulkThreshold)
        {
            _touched = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        }
        else
        {
            _touched.Clear();
        }

        var statusChanged = false;
        foreach (var entry in _ordered)
        {
            if (entry.Dirty)
            {
                var status = entry.BuildStatus();
                entry.Dirty = false;
                if (entry.Status is null || !SameStatus(entry.Status, status))
                {
                    statusChanged = true;
                }

                entry.Status = status;
            }
        }

        var previous = _current;
        statusChanged |= previous.Registries.Length != _ordered.Length;
        if (changed == 0 && !statusChanged && !_conflictsChanged)
        {
            return null;
        }

        var registries = _ordered.Select(static e => e.Status!).ToImmutableArray();
        var conflicts = _conflictsChanged ? BuildConflicts() : previous.Conflicts;
        _conflictsChanged = false;
        _services = services;
        var next = new CatalogSnapshot(++_revision, services, registries, conflicts, _aliases);
        Volatile.Write(ref _current, next);
        Log.CatalogChanged(_logger, next.Revision, changed, services.Count);
        _metrics?.Changed(changed);
        if (_changes.Count > 0)
        {
            var changes = _changes.ToArray();
            foreach (var watcher in _watchers)
            {
                watcher.Post(changes, next.Revision);
            }
        }

        _changes.Clear();
        return previous;
    }

    /// <summary>Commits touching at least this many services, and an eighth of the catalog, rebuild the trie in one pass.</summary>
    private const int BulkThreshold = 256;

    /// <summary>Merges one mesh service from every registry's contribution; returns <paramref name="existing"/> itself when unchanged.</summary>
    private MeshService? Merge(string name, MeshService? existing)
    {
        _contributions.Clear();
        foreach (var entry in _ordered)
        {
            var instances = entry.InstancesFor(name);
            if (!instances.IsEmpty)
            {
                _contributions.Add((entry, instances));
            }
        }

        if (_contributions.Count == 0)
        {
            return null;
        }

        var policy = _policies.For(name);
        var selected = Select(policy);
        var instancesMerged = selected.Length == 1 ? _contributions[selected.Start].Instances : Union(selected);
        if (existing is not null && existing.Policy == policy && SameInstances(existing.Instances, instancesMerged))
        {
            return existing;
        }

        return new MeshService(existing?.Name ?? name, instancesMerged, policy);
    }

    /// <summary>Which contributions (a contiguous range, by priority) the policy keeps.</summary>
    private (int Start, int Length) Select(MergePolicy policy)
    {
        switch (policy)
        {
            case MergePolicy.Priority:
                return (0, 1);
            case MergePolicy.Failover:
                // The first registry with healthy, fresh instances; else with healthy (stale) ones; else the first that has any.
                var healthyStale = -1;
                for (var i = 0; i < _contributions.Count; i++)
                {
                    foreach (var instance in _contributions[i].Instances)
                    {
                        if (instance.Instance.Health == HealthStatus.Healthy)
                        {
                            if (!instance.Stale)
                            {
                                return (i, 1);
                            }

                            healthyStale = healthyStale < 0 ? i : healthyStale;
                        }
                    }
                }

                return (Math.Max(healthyStale, 0), 1);
            default:
                return (0, _contributions.Count);
        }
    }

    private static bool SameInstances(ImmutableArray<MeshInstance> a, ImmutableArray<MeshInstance> b)
    {
        if (a == b)
        {
            return true;
        }

        if (a.Length != b.Length)
        {
            return false;
        }

        for (var i = 0; i < a.Length; i++)
        {
            if (!ReferenceEquals(a[i], b[i]))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Whether two statuses differ in anything but the native revision (which alone is no reason to publish).</summary>
    private static bool SameStatus(RegistryStatus a, RegistryStatus b) => a == (b with { Revision = a.Revision });

    private ImmutableArray<NameConflict> BuildConflicts()
    {
        var builder = ImmutableArray.CreateBuilder<NameConflict>();
        foreach (var entry in _ordered)
        {
            foreach (var meshName in entry.ConflictNames)
            {
                builder.Add(new NameConflict(entry.Name, meshName, [.. entry.Slots[meshName].SourceNames]));
            }
        }

        return builder.ToImmutable();
    }
}
