namespace Registry.Adapters.Kubernetes;

/// <summary>
/// The mapped slices of one service, in slice-name order, with running counts of addresses and ids over all of
/// them. While no address or id occurs twice (the usual case outside a rolling update's overlap), the merged list
/// is the slices' instances one after the other, and a slice event costs work in proportion to that slice, not to
/// the service; otherwise <see cref="InstanceMerger"/> deduplicates the whole service.
/// </summary>
internal sealed class ServiceSlices
{
    private readonly SortedDictionary<string, MappedSlice> _slices = new(StringComparer.Ordinal);
    private readonly Dictionary<ServiceInstance, int> _addresses = new(InstanceMerger.AddressComparer.Instance);
    private readonly Dictionary<string, int> _ids = new(StringComparer.Ordinal);
    private int _duplicates;
    private int _count;

    public int Count => _slices.Count;

    public IEnumerable<string> Keys => _slices.Keys;

    public void Set(MappedSlice slice)
    {
        Remove(slice.Key);
        _slices[slice.Key] = slice;
        foreach (var instance in slice.Instances)
        {
            _duplicates += Increment(_addresses, instance) + Increment(_ids, instance.Id);
        }

        _count += slice.Instances.Count;
    }

    public bool Remove(string key)
    {
        if (!_slices.Remove(key, out var old))
        {
            return false;
        }

        foreach (var instance in old.Instances)
        {
            _duplicates -= Decrement(_addresses, instance) + Decrement(_ids, instance.Id);
        }

        _count -= old.Instances.Count;
        return true;
    }

    public IReadOnlyList<ServiceInstance> Merge()
    {
        if (_duplicates > 0)
        {
            return InstanceMerger.Merge(_slices.Values);
        }

        if (_count == 0)
        {
            return [];
        }

        var result = new ServiceInstance[_count];
        var next = 0;
        foreach (var slice in _slices.Values)
        {
            foreach (var instance in slice.Instances)
            {
                result[next++] = instance;
            }
        }

        return result;
    }

    // Returns 1 when the key now occurs twice or more for the first time over its count (a new duplicate).
    private static int Increment<T>(Dictionary<T, int> counts, T key)
        where T : notnull
    {
        counts.TryGetValue(key, out var count);
        counts[key] = count + 1;
        return count >= 1 ? 1 : 0;
    }

    private static int Decrement<T>(Dictionary<T, int> counts, T key)
        where T : notnull
    {
        var count = counts[key];
        if (count == 1)
        {
            counts.Remove(key);
            return 0;
        }

        counts[key] = count - 1;
        return 1;
    }
}
