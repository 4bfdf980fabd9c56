namespace Registry.Adapters.Sync;

/// <summary>
/// Computes what one pass writes into one target: the desired set from the sources (selected, mapped, validated,
/// marked), compared with what the sync owns there. Pure: no I/O.
/// </summary>
internal static class SyncPlanner
{
    public static SyncTargetPlan Plan(
        MeshSnapshot snapshot,
        IServiceRegistryWriter target,
        IReadOnlyDictionary<string, IReadOnlyList<ServiceInstance>> owned,
        SyncOptions options,
        Func<string, bool> isSource,
        Func<string, bool>? inShard = null,
        DesiredCache? cache = null,
        IReadOnlySet<string>? drifted = null)
    {
        if (inShard is not null)
        {
            // Another shard's owned records are not this plan's to keep or delete.
            owned = owned.Where(p => inShard(p.Key)).ToDictionary(StringComparer.Ordinal);
        }

        var statuses = snapshot.Registries.Where(r => isSource(r.Name) && !string.Equals(r.Name, target.Name, StringComparison.Ordinal)).ToList();
        var notSynced = statuses.Where(static r => r.State is RegistryState.Syncing or RegistryState.Failed).Select(static r => r.Name).ToHashSet(StringComparer.Ordinal);
        var rejected = new List<SkippedRecord>();
        var desired = options.Purge
            ? new Dictionary<string, List<ServiceInstance>>(StringComparer.Ordinal)
            : Desired(snapshot, target, options, isSource, inShard, rejected, cache);

        // A record whose source has not delivered a first snapshot (or fails without data) is kept: no partial view deletes.
        string? heldReason = null;
        var held = 0;
        var deletes = new List<SyncOperation>();
        var creates = new List<SyncOperation>();
        var updates = new List<SyncOperation>();
        var upserts = new Dictionary<string, IReadOnlyList<ServiceInstance>>(StringComparer.Ordinal);
        var removals = new Dictionary<string, IReadOnlyList<ServiceInstance>>(StringComparer.Ordinal);
        var ownedCount = owned.Values.Sum(static s => s.Count);
        var allowDeletes = options.Purge || notSynced.Count == 0;
        var pending = new List<(string Service, List<ServiceInstance> Want, OwnedDiff Diff)>();
        foreach (var service in owned.Keys.Union(desired.Keys, StringComparer.Ordinal))
        {
            var mine = owned.TryGetValue(service, out var o) ? o : [];
            var want = desired.TryGetValue(service, out var d) ? d : [];
            if (ReferenceEquals(mine, want))
            {
                // The set the last pass wrote, for a mesh service the catalog has not touched since: nothing to compare.
                continue;
            }

            var diff = OwnedDiff.Compute(mine, want);
            if (diff.IsEmpty && want.Count > 0 && drifted is not null && drifted.Contains(service))
            {
                // The instances read back equal, but the stored object differs from what the sync wrote: write it again.
                diff = OwnedDiff.Rewrite(mine, want);
            }

            if (diff.Deletes.Count > 0 && !allowDeletes)
            {
                held += diff.Deletes.Count;
                heldReason = $"source(s) {string.Join(", ", notSynced.Order(StringComparer.Ordinal))} have not completed a first snapshot";
                want = [.. want, .. diff.Deletes];
                diff = OwnedDiff.Compute(mine, want);
            }

            if (!diff.IsEmpty)
            {
                pending.Add((service, want, diff));
            }
        }

        var deleteCount = pending.Sum(static p => p.Diff.Deletes.Count);
        var holdRatio = !options.Purge && ownedCount > 0 && deleteCount > 0 && (double)deleteCount / ownedCount > options.MaxDeleteRatio;
        if (holdRatio)
        {
            held += deleteCount;
            heldReason = $"the pass would delete {deleteCount} of {ownedCount} owned records, more than MaxDeleteRatio {options.MaxDeleteRatio:0.##}; run with a higher --max-delete-ratio to confirm";
        }

        foreach (var (service, want, diff) in pending)
        {
            var deleting = holdRatio ? [] : diff.Deletes;
            var final = holdRatio ? [.. want, .. diff.Deletes] : want;
            creates.AddRange(diff.Creates.Select(i => new SyncOperation(service, i.Id, SyncMetadata.GetOrigin(i))));
            updates.AddRange(diff.Updates.Select(u => new SyncOperation(service, u.New.Id, SyncMetadata.GetOrigin(u.New))));
            deletes.AddRange(deleting.Select(i => new SyncOperation(service, i.Id, SyncMetadata.GetOrigin(i))));
            if (diff.Creates.Count + diff.Updates.Count > 0)
            {
                upserts[service] = deleting.Count > 0 ? [.. final, .. deleting] : final;
            }

            if (deleting.Count > 0)
            {
                removals[service] = final;
            }
        }

        return new SyncTargetPlan
        {
            Target = target.Name,
            Creates = creates,
            Updates = updates,
            Deletes = deletes,
            HeldDeletes = held,
            HeldReason = heldReason,
            Rejected = rejected,
            Owned = ownedCount,
            Desired = desired.Values.Sum(static s => s.Count),
            Upserts = upserts,
            Removals = removals,
        };
    }

    private static Dictionary<string, List<ServiceInstance>> Desired(
        MeshSnapshot snapshot, IServiceRegistryWriter target, SyncOptions options, Func<string, bool> isSource, Func<string, bool>? inShard, List<SkippedRecord> rejected, DesiredCache? cache)
    {
        var desired = new Dictionary<string, List<ServiceInstance>>(StringComparer.Ordinal);
        var seen = cache is null ? null : new Dictionary<string, DesiredCache.Entry>(cache.Entries.Count, StringComparer.Ordinal);
        foreach (var service in snapshot.GetServices())
        {
            if (!Selected(service.Name, options))
            {
                continue;
            }

            var name = options.NameTemplate.Replace("{service}", service.Name, StringComparison.Ordinal);
            if (inShard is not null && !inShard(name))
            {
                // Another shard's service: its own leader plans it (and reports it when it is rejected).
                continue;
            }

            if (ServiceInstanceValidator.ValidateServiceName(name) is { } nameError)
            {
                rejected.Add(new SkippedRecord(ServiceInstanceValidator.Printable(name), nameError));
                continue;
            }

            if (cache is not null && cache.Entries.TryGetValue(service.Name, out var known) && ReferenceEquals(known.Source, service))
            {
                // The catalog keeps an untouched service's object: what was derived from it last pass still holds.
                rejected.AddRange(known.Rejected);
                if (known.Instances is not null)
                {
                    desired[name] = known.Instances;
                }

                seen![service.Name] = known;
                continue;
            }

            var rejectedBefore = rejected.Count;
            var ids = new HashSet<string>(StringComparer.Ordinal);
            List<ServiceInstance>? list = null;
            foreach (var mesh in service.Instances)
            {
                if (!Mirrors(mesh, target.Name, options, isSource))
                {
                    continue;
                }

                var id = ids.Add(mesh.Instance.Id) ? mesh.Instance.Id : $"{mesh.Instance.Id}@{mesh.Registry}";
                if (!string.Equals(id, mesh.Instance.Id, StringComparison.Ordinal) && !ids.Add(id))
                {
                    continue;
                }

                var instance = SyncMetadata.Mark(mesh.Instance with { Service = name, Id = id }, options.SyncId, mesh.Registry);
                if (!target.TryNormalize(instance, out var stored, out var reason))
                {
                    rejected.Add(new SkippedRecord($"{mesh.Registry}:{WriterChecks.Describe(name, instance)}", reason));
                    continue;
                }

                (list ??= []).Add(stored);
            }

            if (list is not null)
            {
                desired[name] = list;
            }

            seen?.Add(service.Name, new DesiredCache.Entry(service, list, [.. rejected.Skip(rejectedBefore)]));
        }

        if (cache is not null)
        {
            cache.Entries = seen!;
        }

        return desired;
    }

    /// <summary>
    /// One target's desired instances by mesh service, kept between passes: the catalog hands out the same
    /// <see cref="MeshService"/> object for a service it did not touch, so its marked and normalized instances are
    /// reused instead of derived again, and a pass after a change does work in proportion to the change.
    /// </summary>
    internal sealed class DesiredCache
    {
        public Dictionary<string, Entry> Entries { get; set; } = new(StringComparer.Ordinal);

        /// <summary>What one mesh service gave: its instances as the target stores them (none mirrored: null) and its rejections.</summary>
        public sealed record Entry(MeshService Source, List<ServiceInstance>? Instances, SkippedRecord[] Rejected);
    }

    private static bool Mirrors(MeshInstance mesh, string target, SyncOptions options, Func<string, bool> isSource)
    {
        if (string.Equals(mesh.Registry, target, StringComparison.Ordinal) || !isSource(mesh.Registry))
        {
            return false;
        }

        // Loop safety: a record some sync wrote is mirrored only when its registry includes mirrored records,
        // never by the sync that wrote it, and never back into the registry it came from.
        var instance = mesh.Instance;
        if (SyncMetadata.IsOwnedBy(instance, options.SyncId)
            || string.Equals(SyncMetadata.GetOrigin(instance), target, StringComparison.Ordinal))
        {
            return false;
        }

        return !options.OnlyHealthy || instance.Health == HealthStatus.Healthy;
    }

    internal static bool Selected(string meshName, SyncOptions options)
    {
        foreach (var pattern in options.Exclude)
        {
            if (MergePolicyTable.GlobMatches(pattern, meshName))
            {
                return false;
            }
        }

        if (options.Services.Count == 0)
        {
            return true;
        }

        foreach (var pattern in options.Services)
        {
            if (MergePolicyTable.GlobMatches(pattern, meshName))
            {
                return true;
            }
        }

        return false;
    }
}
