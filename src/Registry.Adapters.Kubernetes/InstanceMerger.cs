namespace Registry.Adapters.Kubernetes;

/// <summary>
/// Joins the slices of one service. An endpoint can sit in two slices at once (during a rolling update the
/// controller adds it to the new slice before it leaves the old one): instances with the same address and
/// ports are one, and the healthier record wins (Healthy, then Draining, then the rest), else the first in
/// slice-name order. Ids stay unique: a Pod listed at two addresses (dual-stack slices) gets
/// <c>{pod}-{address}</c> for the second.
/// </summary>
internal static class InstanceMerger
{
    public static IReadOnlyList<ServiceInstance> Merge(IEnumerable<MappedSlice> slices)
    {
        var total = 0;
        var count = 0;
        MappedSlice? only = null;
        foreach (var slice in slices)
        {
            if (slice.Instances.Count > 0)
            {
                total += slice.Instances.Count;
                count++;
                only = slice;
            }
        }

        if (count == 0)
        {
            return [];
        }

        var result = new List<ServiceInstance>(total);
        var byAddress = new Dictionary<ServiceInstance, int>(total, AddressComparer.Instance);
        var ids = new HashSet<string>(total, StringComparer.Ordinal);
        foreach (var slice in count == 1 ? [only!] : slices)
        {
            foreach (var instance in slice.Instances)
            {
                if (byAddress.TryGetValue(instance, out var index))
                {
                    if (Rank(instance.Health) < Rank(result[index].Health))
                    {
                        result[index] = instance with { Id = result[index].Id };
                    }

                    continue;
                }

                var candidate = instance;
                if (!ids.Add(candidate.Id))
                {
                    candidate = instance with { Id = UniqueId(instance, ids) };
                }

                byAddress[instance] = result.Count;
                result.Add(candidate);
            }
        }

        return result;
    }

    private static string UniqueId(ServiceInstance instance, HashSet<string> ids)
    {
        var id = $"{instance.Id}-{instance.Host}";
        for (var n = 2; !ids.Add(id); n++)
        {
            id = $"{instance.Id}-{instance.Host}-{n}";
        }

        return id;
    }

    private static int Rank(HealthStatus health) => health switch
    {
        HealthStatus.Healthy => 0,
        HealthStatus.Draining => 1,
        HealthStatus.Starting => 2,
        _ => 3,
    };

    /// <summary>Equal when host and port numbers are; the port list of one slice is shared, so it is usually the same object.</summary>
    internal sealed class AddressComparer : IEqualityComparer<ServiceInstance>
    {
        public static readonly AddressComparer Instance = new();

        public bool Equals(ServiceInstance? x, ServiceInstance? y)
        {
            if (ReferenceEquals(x, y))
            {
                return true;
            }

            if (x is null || y is null || !string.Equals(x.Host, y.Host, StringComparison.Ordinal))
            {
                return false;
            }

            if (ReferenceEquals(x.Ports, y.Ports))
            {
                return true;
            }

            if (x.Ports.Count != y.Ports.Count)
            {
                return false;
            }

            for (var i = 0; i < x.Ports.Count; i++)
            {
                if (x.Ports[i].Port != y.Ports[i].Port)
                {
                    return false;
                }
            }

            return true;
        }

        public int GetHashCode(ServiceInstance obj) =>
            HashCode.Combine(obj.Host, obj.Ports.Count > 0 ? obj.Ports[0].Port : 0);
    }
}
