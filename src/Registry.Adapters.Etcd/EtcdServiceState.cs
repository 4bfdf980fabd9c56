using System.Collections.Immutable;
using System.Globalization;

namespace Registry.Adapters.Etcd;

/// <summary>
/// The valid instances under the prefix, by service and id, as last read or watched. Not thread-safe: one per watch.
/// A put or delete reports whether it changed the service, so unchanged rewrites emit nothing.
/// </summary>
internal sealed class EtcdServiceState
{
    private readonly Dictionary<string, SortedDictionary<string, ServiceInstance>> _services = new(StringComparer.Ordinal);

    public int InstanceCount { get; private set; }

    /// <summary>Adds or replaces an instance; <see langword="true"/> when its service changed.</summary>
    public bool Put(ServiceInstance instance)
    {
        if (!_services.TryGetValue(instance.Service, out var ids))
        {
            ids = new SortedDictionary<string, ServiceInstance>(StringComparer.Ordinal);
            _services.Add(instance.Service, ids);
        }

        if (ids.TryGetValue(instance.Id, out var old))
        {
            if (old.Equals(instance))
            {
                return false;
            }
        }
        else
        {
            InstanceCount++;
        }

        ids[instance.Id] = instance;
        return true;
    }

    /// <summary>Removes an instance; <see langword="true"/> when it existed.</summary>
    public bool Remove(string service, string id)
    {
        if (!_services.TryGetValue(service, out var ids) || !ids.Remove(id))
        {
            return false;
        }

        InstanceCount--;
        if (ids.Count == 0)
        {
            _services.Remove(service);
        }

        return true;
    }

    /// <summary>The instances of a service, ordered by id; empty when it is gone.</summary>
    public IReadOnlyList<ServiceInstance> Get(string service) =>
        _services.TryGetValue(service, out var ids) ? [.. ids.Values] : [];

    /// <summary>An immutable snapshot of every service.</summary>
    public RegistrySnapshot ToSnapshot(long revision, IReadOnlyList<SkippedRecord> skipped)
    {
        var builder = ImmutableDictionary.CreateBuilder<string, IReadOnlyList<ServiceInstance>>(StringComparer.Ordinal);
        foreach (var (service, ids) in _services)
        {
            builder.Add(service, [.. ids.Values]);
        }

        return new RegistrySnapshot
        {
            Services = builder.ToImmutable(),
            Revision = revision.ToString(CultureInfo.InvariantCulture),
            Skipped = skipped,
        };
    }
}
