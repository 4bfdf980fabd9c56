namespace Registry.Adapters;

/// <summary>Building a trie in one pass, for commits that touch a large share of the catalog (a first snapshot, a big resync).</summary>
internal sealed partial class ServiceMap
{
    private const int Levels = 7;

    /// <summary>
    /// A map of this map's services where every name in <paramref name="replaced"/> is replaced by the services in
    /// <paramref name="replacements"/> (a name in <paramref name="replaced"/> with no replacement is removed).
    /// Unchanged services keep their objects; only the trie nodes are new. Costs O(n log n) time and allocates little
    /// more than the resulting nodes, where <see cref="SetItem"/> would copy a path per changed service.
    /// </summary>
    /// <param name="replaced">The names to replace, compared case-insensitively.</param>
    /// <param name="replacedCount">How many of those names this map holds.</param>
    /// <param name="replacements">The new services.</param>
    public ServiceMap Rebuild(IReadOnlySet<string> replaced, int replacedCount, List<MeshService> replacements)
    {
        var slots = new Slot[Count - replacedCount + replacements.Count];
        var count = 0;
        CollectUnchanged(_root, replaced, slots, ref count);
        foreach (var service in replacements)
        {
            slots[count++] = Slot.For(service, NameHash.Of(service.Name));
        }

        if (count == 0)
        {
            return Empty;
        }

        var keys = new ulong[count];
        for (var i = 0; i < count; i++)
        {
            keys[i] = TrieOrder(slots[i].Hash);
        }

        Array.Sort(keys, slots);
        return new ServiceMap(Build(slots, 0, count, 0), count);
    }

    private static void CollectUnchanged(Slot[] node, IReadOnlySet<string> replaced, Slot[] target, ref int count)
    {
        for (var i = 1; i < node.Length; i++)
        {
            if (node[i].Child is { } child)
            {
                CollectUnchanged(child, replaced, target, ref count);
            }
            else if (!replaced.Contains(node[i].Name!))
            {
                target[count++] = node[i];
            }
        }
    }

    /// <summary>The hash with its 5-bit level groups reversed, so that sorting by it groups entries as the trie does, level by level.</summary>
    private static ulong TrieOrder(uint hash)
    {
        ulong key = 0;
        for (var level = 0; level < Levels; level++)
        {
            key = (key << BitsPerLevel) | ((hash >> (level * BitsPerLevel)) & 31);
        }

        return key;
    }

    /// <summary>Builds the node for <paramref name="sorted"/>[<paramref name="start"/>..<paramref name="end"/>), which share the hash bits below <paramref name="shift"/>.</summary>
    private static Slot[] Build(Slot[] sorted, int start, int end, int shift)
    {
        if (shift >= MaxShift)
        {
            var collision = new Slot[1 + end - start];
            collision[0] = Slot.Header(0);
            Array.Copy(sorted, start, collision, 1, end - start);
            return collision;
        }

        uint bitmap = 0;
        for (var i = start; i < end; i++)
        {
            bitmap |= Bit(sorted[i].Hash, shift);
        }

        var node = new Slot[1 + System.Numerics.BitOperations.PopCount(bitmap)];
        node[0] = Slot.Header(bitmap);
        var index = 1;
        var run = start;
        while (run < end)
        {
            var bit = Bit(sorted[run].Hash, shift);
            var next = run + 1;
            while (next < end && Bit(sorted[next].Hash, shift) == bit)
            {
                next++;
            }

            node[index++] = next - run == 1 ? sorted[run] : Slot.Link(Build(sorted, run, next, shift + BitsPerLevel));
            run = next;
        }

        return node;
    }
}
