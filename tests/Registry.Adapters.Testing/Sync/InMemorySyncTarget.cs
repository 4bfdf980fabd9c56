using System.Diagnostics.CodeAnalysis;
using Registry.Adapters.Sync;

namespace Registry.Adapters.Testing.Sync;

/// <summary>
/// A sync target in memory shared by several replicas: each replica writes through its own <see cref="Writer"/>, which counts
/// what that replica wrote; the target keeps a log of every record write and delete. It keeps the writer contract (only owned
/// records change, services absent from a batch are untouched) and, given the election store, checks fences whose registry is
/// this target's name, as an etcd or Consul target does in the same transaction.
/// </summary>
/// <param name="name">The target's registry name.</param>
/// <param name="fences">The election store whose fences bind writes, or <see langword="null"/>.</param>
public sealed class InMemorySyncTarget(string name, InMemorySyncElectionStore? fences = null)
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, Dictionary<string, ServiceInstance>> _records = new(StringComparer.Ordinal);
    private readonly List<(string Replica, string Op, string Service, string Id)> _log = [];

    /// <summary>The target's registry name.</summary>
    public string Name => name;

    /// <summary>Every record written, in order: replica, op (<c>create</c>, <c>update</c>, <c>delete</c>), service, id.</summary>
    public IReadOnlyList<(string Replica, string Op, string Service, string Id)> Log
    {
        get
        {
            lock (_gate)
            {
                return [.. _log];
            }
        }
    }

    /// <summary>The records now, by service (owned by any sync or by none).</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<ServiceInstance>> Records
    {
        get
        {
            lock (_gate)
            {
                return _records.Where(static p => p.Value.Count > 0).ToDictionary(
                    static p => p.Key, static p => (IReadOnlyList<ServiceInstance>)[.. p.Value.Values.OrderBy(static i => i.Id, StringComparer.Ordinal)], StringComparer.Ordinal);
            }
        }
    }

    /// <summary>Puts a record that no sync owns (a native registration).</summary>
    /// <param name="instance">The record.</param>
    public void PutNative(ServiceInstance instance)
    {
        ArgumentNullException.ThrowIfNull(instance);
        lock (_gate)
        {
            Service(instance.Service)[instance.Id] = instance;
        }
    }

    /// <summary>The writer one replica writes through.</summary>
    /// <param name="replica">The replica's name, for <see cref="Log"/>.</param>
    /// <returns>The writer.</returns>
    public IServiceRegistryWriter Writer(string replica) => new ReplicaWriter(this, replica);

    /// <summary>How many record writes (creates, updates, deletes) <paramref name="replica"/> made.</summary>
    /// <param name="replica">The replica's name.</param>
    /// <returns>The count.</returns>
    public int WritesBy(string replica) => Log.Count(e => e.Replica == replica);

    private Dictionary<string, ServiceInstance> Service(string service)
    {
        if (!_records.TryGetValue(service, out var set))
        {
            _records[service] = set = new Dictionary<string, ServiceInstance>(StringComparer.Ordinal);
        }

        return set;
    }

    private OwnedRecords ListOwned(string syncId)
    {
        lock (_gate)
        {
            var owned = new Dictionary<string, IReadOnlyList<ServiceInstance>>(StringComparer.Ordinal);
            foreach (var (service, set) in _records)
            {
                var mine = set.Values.Where(i => SyncMetadata.IsOwnedBy(i, syncId)).OrderBy(static i => i.Id, StringComparer.Ordinal).ToList();
                if (mine.Count > 0)
                {
                    owned[service] = mine;
                }
            }

            return new OwnedRecords { Services = owned };
        }
    }

    private WriteResult Apply(string replica, WriteBatch batch)
    {
        lock (_gate)
        {
            if (batch.Fence is { } fence && string.Equals(fence.Registry, name, StringComparison.Ordinal) && fences is not null && !fences.Holds(fence))
            {
                throw new WriteFenceLostException();
            }

            int created = 0, updated = 0, deleted = 0;
            var rejected = new List<SkippedRecord>();
            foreach (var (service, desired) in batch.Services)
            {
                var set = Service(service);
                var owned = set.Values.Where(i => SyncMetadata.IsOwnedBy(i, batch.SyncId)).ToList();
                var accepted = new List<ServiceInstance>();
                foreach (var instance in desired)
                {
                    if (set.TryGetValue(instance.Id, out var existing) && !SyncMetadata.IsOwnedBy(existing, batch.SyncId))
                    {
                        rejected.Add(new SkippedRecord($"{service}/{instance.Id}", "a record the sync does not own has this id"));
                        continue;
                    }

                    accepted.Add(instance);
                }

                var diff = OwnedDiff.Compute(owned, accepted);
                foreach (var instance in diff.Creates)
                {
                    set[instance.Id] = instance;
                    _log.Add((replica, "create", service, instance.Id));
                    created++;
                }

                foreach (var (_, instance) in diff.Updates)
                {
                    set[instance.Id] = instance;
                    _log.Add((replica, "update", service, instance.Id));
                    updated++;
                }

                foreach (var instance in diff.Deletes)
                {
                    set.Remove(instance.Id);
                    _log.Add((replica, "delete", service, instance.Id));
                    deleted++;
                }
            }

            return new WriteResult { Created = created, Updated = updated, Deleted = deleted, Requests = 1, Rejected = rejected };
        }
    }

    private sealed class ReplicaWriter(InMemorySyncTarget target, string replica) : IServiceRegistryWriter
    {
        public string Name => target.Name;

        public string Kind => "memory";

        public bool TryNormalize(ServiceInstance desired, [NotNullWhen(true)] out ServiceInstance? stored, [NotNullWhen(false)] out string? reason)
        {
            ArgumentNullException.ThrowIfNull(desired);
            reason = ServiceInstanceValidator.Validate(desired);
            stored = reason is null ? desired : null;
            return reason is null;
        }

        public Task<OwnedRecords> ListOwnedAsync(string syncId, CancellationToken cancellationToken = default)
        {
            cancellationToken.ThrowIfCancellationRequested();
            return Task.FromResult(target.ListOwned(syncId));
        }

        public Task<WriteResult> ApplyAsync(WriteBatch batch, CancellationToken cancellationToken = default)
        {
            ArgumentNullException.ThrowIfNull(batch);
            cancellationToken.ThrowIfCancellationRequested();
            return Task.FromResult(target.Apply(replica, batch));
        }
    }
}
