namespace Registry.Adapters.Sync;

/// <summary>One printed pass from the passes of several shards (<c>--once</c>, <c>--purge</c> with <c>--shards</c>).</summary>
internal static class SyncPassResults
{
    public static SyncPassResult Merge(IReadOnlyList<SyncPassResult> passes)
    {
        if (passes.Count == 1)
        {
            return passes[0];
        }

        var targets = passes.SelectMany(static p => p.Targets).GroupBy(static t => t.Target, StringComparer.Ordinal).Select(static g => new SyncTargetPlan
        {
            Target = g.Key,
            Creates = [.. g.SelectMany(static t => t.Creates)],
            Updates = [.. g.SelectMany(static t => t.Updates)],
            Deletes = [.. g.SelectMany(static t => t.Deletes)],
            HeldDeletes = g.Sum(static t => t.HeldDeletes),
            HeldReason = g.Select(static t => t.HeldReason).FirstOrDefault(static r => r is not null),
            Rejected = [.. g.SelectMany(static t => t.Rejected)],
            Owned = g.Sum(static t => t.Owned),
            Desired = g.Sum(static t => t.Desired),
        }).ToList();
        var errors = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (target, error) in passes.SelectMany(static p => p.Errors))
        {
            errors.TryAdd(target, error);
        }

        return new SyncPassResult
        {
            Revision = passes.Max(static p => p.Revision),
            Targets = targets,
            Writes = passes.Sum(static p => p.Writes),
            Requests = passes.Sum(static p => p.Requests),
            Errors = errors,
            Standby = passes.Any(static p => p.Standby),
        };
    }
}
