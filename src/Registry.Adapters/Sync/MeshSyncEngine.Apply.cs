namespace Registry.Adapters.Sync;

/// <summary>Writing one target's plan: upserts first, then deletes, in batches, within the write limit.</summary>
public sealed partial class MeshSyncEngine
{
    private async Task<(int Writes, int Requests, List<SkippedRecord> Rejected)> ApplyAsync(
        IServiceRegistryWriter target, SyncTargetPlan plan, Dictionary<string, IReadOnlyList<ServiceInstance>> owned, CancellationToken cancellationToken)
    {
        int writes = 0, requests = 0;
        var refused = new List<SkippedRecord>();
        foreach (var phase in new[] { plan.Upserts, plan.Removals })
        {
            foreach (var batch in Batches(phase, owned))
            {
                if (_leadership is { IsLeader: false })
                {
                    throw new WriteFenceLostException("leadership was lost during the pass; the rest of it is not written");
                }

                await _bucket.TakeAsync(batch.Cost, cancellationToken).ConfigureAwait(false);
                WriteResult result;
                using var activity = Registry.Adapters.Backends.RegistryTracing.Start(MeshTelemetry.Source, Registry.Adapters.Backends.RegistryTracing.Write, target.Name, target.Kind);
                try
                {
                    Registry.Adapters.Backends.RegistryTracing.SetCount(activity, "registry.write.services", batch.Services.Count);
                    result = await target.ApplyAsync(new WriteBatch { SyncId = _options.SyncId, Services = batch.Services, Fence = _leadership?.Fence }, cancellationToken).ConfigureAwait(false);
                    Registry.Adapters.Backends.RegistryTracing.SetCount(activity, "registry.write.created", result.Created);
                    Registry.Adapters.Backends.RegistryTracing.SetCount(activity, "registry.write.updated", result.Updated);
                    Registry.Adapters.Backends.RegistryTracing.SetCount(activity, "registry.write.deleted", result.Deleted);
                }
                catch (RegistryException ex)
                {
                    Registry.Adapters.Backends.RegistryTracing.Fail(activity, ex);
                    _metrics?.Wrote(target.Name, "batch", batch.Cost, "failed");
                    throw;
                }

                writes += result.Writes;
                requests += result.Requests;
                _metrics?.Wrote(target.Name, "create", result.Created, "ok");
                _metrics?.Wrote(target.Name, "update", result.Updated, "ok");
                _metrics?.Wrote(target.Name, "delete", result.Deleted, "ok");
                _metrics?.Wrote(target.Name, "create", result.Rejected.Count, "rejected");
                refused.AddRange(result.Rejected);
                var rejected = result.Rejected.Select(static r => r.Key).ToHashSet(StringComparer.Ordinal);
                foreach (var (service, set) in batch.Services)
                {
                    _drifted.GetValueOrDefault(target.Name)?.Remove(service);
                    IReadOnlyList<ServiceInstance> kept = rejected.Count == 0 ? set : [.. set.Where(i => !rejected.Contains(WriterChecks.Describe(service, i)))];
                    if (kept.Count == 0)
                    {
                        owned.Remove(service);
                    }
                    else
                    {
                        owned[service] = kept;
                    }
                }
            }
        }

        return (writes, requests, refused);
    }

    /// <summary>Groups services into batches of about <see cref="SyncOptions.BatchSize"/> instance writes (a service is never split).</summary>
    private List<(Dictionary<string, IReadOnlyList<ServiceInstance>> Services, int Cost)> Batches(
        IReadOnlyDictionary<string, IReadOnlyList<ServiceInstance>> phase, Dictionary<string, IReadOnlyList<ServiceInstance>> owned)
    {
        var batches = new List<(Dictionary<string, IReadOnlyList<ServiceInstance>>, int)>();
        var current = new Dictionary<string, IReadOnlyList<ServiceInstance>>(StringComparer.Ordinal);
        var cost = 0;
        foreach (var (service, set) in phase.OrderBy(static p => p.Key, StringComparer.Ordinal))
        {
            var diff = OwnedDiff.Compute(owned.TryGetValue(service, out var mine) ? mine : [], set);
            var ops = diff.Creates.Count + diff.Updates.Count + diff.Deletes.Count;
            if (ops == 0)
            {
                // A drifted service is written again whole.
                ops = set.Count;
            }

            if (cost > 0 && cost + ops > _options.BatchSize)
            {
                batches.Add((current, cost));
                current = new Dictionary<string, IReadOnlyList<ServiceInstance>>(StringComparer.Ordinal);
                cost = 0;
            }

            current[service] = set;
            cost += ops;
        }

        if (current.Count > 0)
        {
            batches.Add((current, cost));
        }

        return batches;
    }
}
