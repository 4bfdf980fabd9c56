using System.Buffers;
using System.Collections.Immutable;
using System.Runtime.InteropServices;

namespace Registry.Adapters;

/// <summary>A registry's source services: validation, naming, conflicts.</summary>
internal sealed partial class MeshCatalog
{
    /// <summary>
    /// Validates and sorts the instances of one source service, reusing the <see cref="MeshInstance"/> objects of
    /// <paramref name="current"/> that did not change. Returns <paramref name="current"/> itself when nothing changed.
    /// </summary>
    private ImmutableArray<MeshInstance> BuildInstances(
        RegistryEntry entry, string source, IReadOnlyList<ServiceInstance> instances, string? revision, ImmutableArray<MeshInstance> current)
    {
        if (instances.Count == 0)
        {
            return [];
        }

        var valid = ArrayPool<(ServiceInstance Instance, int Order)>.Shared.Rent(instances.Count);
        try
        {
            var count = 0;
            var sorted = true;
            for (var i = 0; i < instances.Count; i++)
            {
                var instance = instances[i];
                if (ServiceInstanceValidator.Validate(instance) is { } error)
                {
                    Skip(entry, new SkippedRecord(InstanceKey(source, instance?.Id), error));
                    continue;
                }

                if (!entry.IncludeMirrored && SyncMetadata.IsMirrored(instance!))
                {
                    // Loop safety: what a sync wrote is not read back as a source unless the registry asks for it.
                    continue;
                }

                sorted &= count == 0 || string.CompareOrdinal(valid[count - 1].Instance.Id, instance!.Id) < 0;
                valid[count++] = (instance!, i);
            }

            if (!sorted)
            {
                Array.Sort(valid, 0, count, ByIdThenOrder.Instance);
            }

            return Reuse(entry, source, valid.AsSpan(0, count), revision, current);
        }
        finally
        {
            ArrayPool<(ServiceInstance Instance, int Order)>.Shared.Return(valid, clearArray: true);
        }
    }

    private ImmutableArray<MeshInstance> Reuse(
        RegistryEntry entry, string source, ReadOnlySpan<(ServiceInstance Instance, int Order)> valid, string? revision, ImmutableArray<MeshInstance> current)
    {
        var result = new MeshInstance[valid.Length];
        var kept = 0;
        var unchanged = valid.Length == current.Length;
        for (var i = 0; i < valid.Length; i++)
        {
            var instance = valid[i].Instance;
            if (i > 0 && string.Equals(valid[i - 1].Instance.Id, instance.Id, StringComparison.Ordinal))
            {
                Skip(entry, new SkippedRecord(InstanceKey(source, instance.Id), "instance id is used twice in the service; the first record is kept"));
                unchanged = false;
                continue;
            }

            var previous = FindById(current, instance.Id);
            if (previous is not null && !previous.Stale && previous.Instance.Equals(instance))
            {
                unchanged = unchanged && ReferenceEquals(current[kept], previous);
                result[kept++] = previous;
            }
            else
            {
                result[kept++] = new MeshInstance(entry.Name, instance, revision);
                unchanged = false;
            }
        }

        if (unchanged)
        {
            return current;
        }

        if (kept < result.Length)
        {
            Array.Resize(ref result, kept);
        }

        return ImmutableCollectionsMarshal.AsImmutableArray(result);
    }

    /// <summary>Sets the instances of one source service (empty removes it) and marks the mesh names it affects.</summary>
    private void SetSource(RegistryEntry entry, string source, ImmutableArray<MeshInstance> instances)
    {
        entry.Sources.TryGetValue(source, out var existing);
        if (existing is null)
        {
            if (instances.IsEmpty)
            {
                return;
            }

            existing = new SourceService(MeshNameOf(entry, source));
            entry.Sources.Add(source, existing);
            if (existing.MeshName is not null)
            {
                entry.ServiceCount++;
                AddToSlot(entry, existing.MeshName, source);
            }
        }
        else if (existing.Instances == instances)
        {
            return;
        }

        var meshName = existing.MeshName;
        if (meshName is not null)
        {
            entry.InstanceCount += instances.Length - existing.Instances.Length;
            entry.Dirty = true;
            if (entry.Slots[meshName].Owner == source)
            {
                _touched.Add(meshName);
            }
        }

        existing.Instances = instances;
        if (instances.IsEmpty)
        {
            entry.Sources.Remove(source);
            if (meshName is not null)
            {
                entry.ServiceCount--;
                RemoveFromSlot(entry, meshName, source);
            }
        }
    }

    /// <summary>The mesh name of a source name: the template, lower-cased, then the alias table; <see langword="null"/> (and reported) when invalid.</summary>
    private string? MeshNameOf(RegistryEntry entry, string source)
    {
        var meshName = ApplyAlias(entry.Template.Apply(source));
        if (ServiceInstanceValidator.ValidateServiceName(meshName) is { } error)
        {
            var printable = ServiceInstanceValidator.Printable(source);
            Skip(entry, new SkippedRecord(printable, $"mesh name is invalid: {error}"));
            return null;
        }

        return meshName;
    }

    private void AddToSlot(RegistryEntry entry, string meshName, string source)
    {
        if (!entry.Slots.TryGetValue(meshName, out var slot))
        {
            entry.Slots.Add(meshName, new MeshSlot(source));
            return;
        }

        var index = slot.SourceNames.BinarySearch(source, StringComparer.Ordinal);
        slot.SourceNames.Insert(~index, source);
        if (~index == 0)
        {
            _touched.Add(meshName);
        }

        entry.ConflictNames.Add(meshName);
        _conflictsChanged = true;
        Log.NameConflict(_logger, entry.Name, meshName, string.Join(", ", slot.SourceNames), slot.Owner);
    }

    private void RemoveFromSlot(RegistryEntry entry, string meshName, string source)
    {
        var slot = entry.Slots[meshName];
        var wasOwner = slot.Owner == source;
        slot.SourceNames.Remove(source);
        if (slot.SourceNames.Count == 0)
        {
            entry.Slots.Remove(meshName);
            return;
        }

        if (wasOwner)
        {
            _touched.Add(meshName);
        }

        if (slot.SourceNames.Count == 1)
        {
            entry.ConflictNames.Remove(meshName);
        }

        _conflictsChanged = true;
    }

    private static MeshInstance? FindById(ImmutableArray<MeshInstance> sorted, string id)
    {
        int low = 0, high = sorted.Length - 1;
        while (low <= high)
        {
            var mid = (low + high) >>> 1;
            var cmp = string.CompareOrdinal(sorted[mid].Instance.Id, id);
            if (cmp == 0)
            {
                return sorted[mid];
            }

            if (cmp < 0)
            {
                low = mid + 1;
            }
            else
            {
                high = mid - 1;
            }
        }

        return null;
    }

    /// <summary>By id, then by source order: stable, so that of two records with one id the first is kept.</summary>
    private sealed class ByIdThenOrder : IComparer<(ServiceInstance Instance, int Order)>
    {
        public static readonly ByIdThenOrder Instance = new();

        public int Compare((ServiceInstance Instance, int Order) x, (ServiceInstance Instance, int Order) y)
        {
            var byId = string.CompareOrdinal(x.Instance.Id, y.Instance.Id);
            return byId != 0 ? byId : x.Order.CompareTo(y.Order);
        }
    }

    private static string InstanceKey(string source, string? id) =>
        $"{ServiceInstanceValidator.Printable(source)}/{ServiceInstanceValidator.Printable(id)}";
}
