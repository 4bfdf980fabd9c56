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
                var services = new Dictionary<string, IReadOnlyList<ServiceInstance>>(batch.Parts.Count, StringComparer.Ordinal);
                foreach (var part in batch.Parts)
                {
                    services[part.Service] = part.SetNow(owned);
                }

                WriteResult result;
                using var activity = Registry.Adapters.Backends.RegistryTracing.Start(MeshTelemetry.Source, Registry.Adapters.Backends.RegistryTracing.Write, target.Name, target.Kind);
                try
                {
                    Registry.Adapters.Backends.RegistryTracing.SetCount(activity, "registry.write.services", services.Count);
                    result = await target.ApplyAsync(new WriteBatch { SyncId = _options.SyncId, Services = services, Fence = _leadership?.Fence }, cancellationToken).ConfigureAwait(false);
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
                foreach (var (service, set) in services)
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

    /// <summary>
    /// Packs the phase's writes into batches of <see cref="SyncOptions.BatchSize"/> instance writes, so a target gets
    /// as few requests as its writes allow. A service whose writes do not fit in what is left of a batch is split: each
    /// piece but the last is sent as what the target holds of the service then plus that piece's writes (the writer
    /// contract makes a service's owned records equal to the set it is given), the last piece as the desired set.
    /// </summary>
    private List<(List<BatchPart> Parts, int Cost)> Batches(
        IReadOnlyDictionary<string, IReadOnlyList<ServiceInstance>> phase, Dictionary<string, IReadOnlyList<ServiceInstance>> owned)
    {
        var size = _options.BatchSize;
        var batches = new List<(List<BatchPart>, int)>();
        var current = new List<BatchPart>();
        var cost = 0;
        foreach (var (service, set) in phase.OrderBy(static p => p.Key, StringComparer.Ordinal))
        {
            var diff = OwnedDiff.Compute(owned.TryGetValue(service, out var mine) ? mine : [], set);
            var ops = diff.Creates.Count + diff.Updates.Count + diff.Deletes.Count;
            var drifted = ops == 0;
            if (drifted)
            {
                // A drifted service (OwnedRecords.Drifted) is written again whole, in one piece: its objects are rewritten,
                // though its instances compare equal.
                ops = set.Count;
                if (cost > 0 && cost + ops > size)
                {
                    batches.Add((current, cost));
                    current = [];
                    cost = 0;
                }
            }

            if (cost + ops <= size || drifted)
            {
                current.Add(new BatchPart(service, set, null, null));
                cost += ops;
            }
            else
            {
                List<ServiceInstance> puts = [.. diff.Creates, .. diff.Updates.Select(static u => u.New)];
                List<string> deletes = [.. diff.Deletes.Select(static i => i.Id)];
                int p = 0, d = 0;
                while (p < puts.Count || d < deletes.Count)
                {
                    if (cost >= size)
                    {
                        batches.Add((current, cost));
                        current = [];
                        cost = 0;
                    }

                    var takePuts = Math.Min(size - cost, puts.Count - p);
                    var takeDeletes = Math.Min(size - cost - takePuts, deletes.Count - d);
                    var last = p + takePuts == puts.Count && d + takeDeletes == deletes.Count;
                    current.Add(last ? new BatchPart(service, set, null, null) : new BatchPart(service, set, puts.GetRange(p, takePuts), deletes.GetRange(d, takeDeletes)));
                    p += takePuts;
                    d += takeDeletes;
                    cost += takePuts + takeDeletes;
                }
            }

            if (cost >= size)
            {
                batches.Add((current, cost));
                current = [];
                cost = 0;
            }
        }

        if (current.Count > 0)
        {
            batches.Add((current, cost));
        }

        return batches;
    }

    /// <summary>One service's share of a batch: its desired set, or one piece of its writes when it is split over batches.</summary>
    private sealed record BatchPart(string Service, IReadOnlyList<ServiceInstance> Set, List<ServiceInstance>? Puts, List<string>? DeleteIds)
    {
        /// <summary>The set to send: the desired one, or what the target holds now with this piece's writes applied.</summary>
        public IReadOnlyList<ServiceInstance> SetNow(Dictionary<string, IReadOnlyList<ServiceInstance>> owned)
        {
            if (Puts is null)
            {
                return Set;
            }

            var byId = new Dictionary<string, ServiceInstance>(StringComparer.Ordinal);
            foreach (var instance in owned.TryGetValue(Service, out var now) ? now : [])
            {
                byId[instance.Id] = instance;
            }

            foreach (var instance in Puts)
            {
                byId[instance.Id] = instance;
            }

            foreach (var id in DeleteIds!)
            {
                byId.Remove(id);
            }

            return [.. byId.Values];
        }
    }
}
