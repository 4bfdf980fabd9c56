using System.Collections.Frozen;
using k8s.Models;

namespace Registry.Adapters.Kubernetes;

/// <summary>
/// The informer cache: every watched EndpointSlice (mapped once, on arrival) and Service, grouped by
/// source service name. Changes mark services dirty; <see cref="Flush"/> merges only those and reports
/// the ones whose instance list really changed. Not thread-safe: one watch loop owns it.
/// </summary>
internal sealed class KubernetesView
{
    private readonly Dictionary<string, SliceEntry> _slices = new(StringComparer.Ordinal);
    private readonly Dictionary<string, ServiceSlices> _slicesByService = new(StringComparer.Ordinal);
    private readonly Dictionary<string, ServiceEntry> _services = new(StringComparer.Ordinal);
    private readonly Dictionary<string, IReadOnlyList<ServiceInstance>> _published = new(StringComparer.Ordinal);
    private readonly HashSet<string> _dirty = new(StringComparer.Ordinal);

    /// <summary>The last resourceVersion applied, over all streams (opaque).</summary>
    public string? Revision { get; private set; }

    /// <summary>Applies one slice event; returns what the mapping skipped.</summary>
    public IReadOnlyList<SkippedRecord> ApplySlice(bool deleted, V1EndpointSlice slice)
    {
        var key = EndpointSliceMapper.KeyOf(slice.Metadata);
        Revision = slice.Metadata?.ResourceVersion ?? Revision;
        if (_slices.Remove(key, out var old) && old.Mapped.SourceName is { } oldService)
        {
            RemoveFromService(oldService, key);
        }

        if (deleted)
        {
            return [];
        }

        var sourceName = EndpointSliceMapper.SourceNameOf(slice);
        var mapped = EndpointSliceMapper.Map(slice, sourceName is null ? null : ServiceOf(sourceName));
        _slices[key] = new SliceEntry(slice, mapped);
        if (mapped.SourceName is { } service)
        {
            if (!_slicesByService.TryGetValue(service, out var group))
            {
                group = new ServiceSlices();
                _slicesByService[service] = group;
            }

            group.Set(mapped);
            _dirty.Add(service);
        }

        return mapped.Skipped;
    }

    /// <summary>Applies one Service event; returns what the mapping skipped.</summary>
    public IReadOnlyList<SkippedRecord> ApplyService(bool deleted, V1Service service)
    {
        var key = EndpointSliceMapper.KeyOf(service.Metadata);
        Revision = service.Metadata?.ResourceVersion ?? Revision;
        var sourceName = ServiceInfo.SourceNameOf(service.Metadata?.Name ?? string.Empty, service.Metadata?.NamespaceProperty);
        if (deleted)
        {
            if (_services.Remove(sourceName))
            {
                Remap(sourceName, null);
            }

            return [];
        }

        var skipped = new List<SkippedRecord>();
        var info = ServiceInfo.From(service, skipped);
        if (!_services.TryGetValue(sourceName, out var old) || !old.Info.SameMapping(info))
        {
            _services[sourceName] = new ServiceEntry(key, info);
            Remap(sourceName, info);
        }

        return skipped;
    }

    /// <summary>
    /// Replaces everything one stream holds (a relist): objects of that kind in <paramref name="ns"/> (or everywhere)
    /// that the list no longer has are deleted, the listed ones applied.
    /// </summary>
    public List<SkippedRecord> ReplaceSlices(string? ns, IReadOnlyList<V1EndpointSlice> items)
    {
        var listed = new HashSet<string>(items.Select(static s => EndpointSliceMapper.KeyOf(s.Metadata)), StringComparer.Ordinal);
        foreach (var (key, entry) in _slices.ToList())
        {
            if ((ns is null || string.Equals(entry.Slice.Metadata?.NamespaceProperty, ns, StringComparison.Ordinal)) && !listed.Contains(key))
            {
                ApplySlice(deleted: true, entry.Slice);
            }
        }

        var skipped = new List<SkippedRecord>();
        foreach (var item in items)
        {
            skipped.AddRange(ApplySlice(deleted: false, item));
        }

        return skipped;
    }

    /// <inheritdoc cref="ReplaceSlices"/>
    public List<SkippedRecord> ReplaceServices(string? ns, IReadOnlyList<V1Service> items)
    {
        var listed = new HashSet<string>(items.Select(static s => EndpointSliceMapper.KeyOf(s.Metadata)), StringComparer.Ordinal);
        foreach (var entry in _services.Values.ToList())
        {
            var entryNs = entry.Key[..entry.Key.IndexOf('/', StringComparison.Ordinal)];
            if ((ns is null || string.Equals(entryNs, ns, StringComparison.Ordinal)) && !listed.Contains(entry.Key))
            {
                _services.Remove(entry.Info.SourceName);
                Remap(entry.Info.SourceName, null);
            }
        }

        var skipped = new List<SkippedRecord>();
        foreach (var item in items)
        {
            skipped.AddRange(ApplyService(deleted: false, item));
        }

        return skipped;
    }

    /// <summary>Merges the dirty services and returns those whose instances changed (empty list = gone).</summary>
    public List<ServiceChangedEvent> Flush()
    {
        var changes = new List<ServiceChangedEvent>();
        foreach (var service in _dirty)
        {
            var merged = Merge(service);
            _published.TryGetValue(service, out var before);
            if (merged.Count == 0)
            {
                if (before is not null)
                {
                    _published.Remove(service);
                    changes.Add(new ServiceChangedEvent(service, [], Revision));
                }

                continue;
            }

            if (before is null || !before.SequenceEqual(merged))
            {
                _published[service] = merged;
                changes.Add(new ServiceChangedEvent(service, merged, Revision));
            }
        }

        _dirty.Clear();
        changes.Sort(static (a, b) => string.CompareOrdinal(a.Service, b.Service));
        return changes;
    }

    /// <summary>Flushes silently and returns the whole content.</summary>
    public RegistrySnapshot Snapshot()
    {
        Flush();
        var skipped = _slices.Values.SelectMany(static s => s.Mapped.Skipped).Take(1000).ToList();
        return new RegistrySnapshot
        {
            Services = _published.ToFrozenDictionary(StringComparer.Ordinal),
            Revision = Revision,
            Skipped = skipped,
        };
    }

    /// <summary>The merged instances of one service now; for tests and reads.</summary>
    public IReadOnlyList<ServiceInstance> Get(string sourceName) => _published.TryGetValue(sourceName, out var list) ? list : [];

    private ServiceInfo? ServiceOf(string sourceName) => _services.TryGetValue(sourceName, out var entry) ? entry.Info : null;

    private void RemoveFromService(string service, string sliceKey)
    {
        if (_slicesByService.TryGetValue(service, out var group) && group.Remove(sliceKey) && group.Count == 0)
        {
            _slicesByService.Remove(service);
        }

        _dirty.Add(service);
    }

    private void Remap(string sourceName, ServiceInfo? info)
    {
        _dirty.Add(sourceName);
        if (!_slicesByService.TryGetValue(sourceName, out var group))
        {
            return;
        }

        foreach (var key in group.Keys.ToList())
        {
            var entry = _slices[key];
            var mapped = EndpointSliceMapper.Map(entry.Slice, info);
            _slices[key] = entry with { Mapped = mapped };
            group.Set(mapped);
        }
    }

    private IReadOnlyList<ServiceInstance> Merge(string service)
    {
        if (_services.TryGetValue(service, out var entry) && entry.Info.External is { } external)
        {
            return [external];
        }

        if (!_slicesByService.TryGetValue(service, out var group))
        {
            return [];
        }

        return group.Merge();
    }

    private sealed record SliceEntry(V1EndpointSlice Slice, MappedSlice Mapped);

    private sealed record ServiceEntry(string Key, ServiceInfo Info);
}
