namespace Registry.Adapters.Sync;

/// <summary>
/// The per-instance difference between what a sync owns of one service in a target and what it wants there:
/// the shared arithmetic of every <see cref="IServiceRegistryWriter"/> and of the reconcile engine.
/// Instances are matched by id; both sides are compared as the target stores them.
/// </summary>
public sealed class OwnedDiff
{
    private OwnedDiff(IReadOnlyList<ServiceInstance> creates, IReadOnlyList<(ServiceInstance Old, ServiceInstance New)> updates, IReadOnlyList<ServiceInstance> deletes)
    {
        Creates = creates;
        Updates = updates;
        Deletes = deletes;
    }

    /// <summary>Desired instances the target does not hold.</summary>
    public IReadOnlyList<ServiceInstance> Creates { get; }

    /// <summary>Owned instances whose content differs from the desired one (old, new).</summary>
    public IReadOnlyList<(ServiceInstance Old, ServiceInstance New)> Updates { get; }

    /// <summary>Owned instances that are no longer desired.</summary>
    public IReadOnlyList<ServiceInstance> Deletes { get; }

    /// <summary>Whether there is nothing to write.</summary>
    public bool IsEmpty => Creates.Count == 0 && Updates.Count == 0 && Deletes.Count == 0;

    /// <summary>Computes the difference.</summary>
    /// <param name="owned">What the sync owns of the service now (as stored).</param>
    /// <param name="desired">What it should own (normalized by the writer, ids unique).</param>
    /// <returns>The difference.</returns>
    public static OwnedDiff Compute(IReadOnlyList<ServiceInstance> owned, IReadOnlyList<ServiceInstance> desired)
    {
        ArgumentNullException.ThrowIfNull(owned);
        ArgumentNullException.ThrowIfNull(desired);
        var byId = new Dictionary<string, ServiceInstance>(owned.Count, StringComparer.Ordinal);
        foreach (var instance in owned)
        {
            byId[instance.Id] = instance;
        }

        List<ServiceInstance>? creates = null;
        List<(ServiceInstance, ServiceInstance)>? updates = null;
        foreach (var instance in desired)
        {
            if (!byId.Remove(instance.Id, out var old))
            {
                (creates ??= []).Add(instance);
            }
            else if (!old.Equals(instance))
            {
                (updates ??= []).Add((old, instance));
            }
        }

        return new OwnedDiff(
            creates ?? (IReadOnlyList<ServiceInstance>)[],
            updates ?? (IReadOnlyList<(ServiceInstance, ServiceInstance)>)[],
            byId.Count == 0 ? [] : [.. byId.Values]);
    }

    /// <summary>Every desired instance the target holds already, as an update: the rewrite of a drifted service (<see cref="OwnedRecords.Drifted"/>).</summary>
    internal static OwnedDiff Rewrite(IReadOnlyList<ServiceInstance> owned, IReadOnlyList<ServiceInstance> desired)
    {
        var byId = new Dictionary<string, ServiceInstance>(owned.Count, StringComparer.Ordinal);
        foreach (var instance in owned)
        {
            byId[instance.Id] = instance;
        }

        return new OwnedDiff([], [.. desired.Where(d => byId.ContainsKey(d.Id)).Select(d => (byId[d.Id], d))], []);
    }
}
