namespace Registry.Adapters;

/// <summary>Path-copying updates of the trie.</summary>
internal sealed partial class ServiceMap
{
    private static Slot[] Set(Slot[] node, in Slot entry, int shift, out bool added)
    {
        if (shift >= MaxShift)
        {
            return SetInCollision(node, entry, out added);
        }

        var bitmap = node[0].Hash;
        var bit = Bit(entry.Hash, shift);
        var index = 1 + Index(bitmap, bit);
        if ((bitmap & bit) == 0)
        {
            added = true;
            return Insert(node, index, entry, bitmap | bit);
        }

        var existing = node[index];
        if (existing.Child is { } child)
        {
            return Replace(node, index, Slot.Link(Set(child, entry, shift + BitsPerLevel, out added)));
        }

        if (existing.Matches(entry.Name!, entry.Hash))
        {
            added = false;
            return Replace(node, index, entry);
        }

        added = true;
        return Replace(node, index, Slot.Link(MergeTwo(existing, entry, shift + BitsPerLevel)));
    }

    private static Slot[] SetInCollision(Slot[] node, in Slot entry, out bool added)
    {
        for (var i = 1; i < node.Length; i++)
        {
            if (node[i].Matches(entry.Name!, entry.Hash))
            {
                added = false;
                return Replace(node, i, entry);
            }
        }

        added = true;
        return Insert(node, node.Length, entry, 0);
    }

    private static Slot[] MergeTwo(in Slot a, in Slot b, int shift)
    {
        if (shift >= MaxShift)
        {
            return [Slot.Header(0), a, b];
        }

        var bitA = Bit(a.Hash, shift);
        var bitB = Bit(b.Hash, shift);
        if (bitA == bitB)
        {
            return [Slot.Header(bitA), Slot.Link(MergeTwo(a, b, shift + BitsPerLevel))];
        }

        return bitA < bitB ? [Slot.Header(bitA | bitB), a, b] : [Slot.Header(bitA | bitB), b, a];
    }

    private static Slot[] Remove(Slot[] node, string name, uint hash, int shift, out bool removed)
    {
        if (shift >= MaxShift)
        {
            for (var i = 1; i < node.Length; i++)
            {
                if (node[i].Matches(name, hash))
                {
                    removed = true;
                    return RemoveAt(node, i, 0);
                }
            }

            removed = false;
            return node;
        }

        var bitmap = node[0].Hash;
        var bit = Bit(hash, shift);
        if ((bitmap & bit) == 0)
        {
            removed = false;
            return node;
        }

        var index = 1 + Index(bitmap, bit);
        var existing = node[index];
        if (existing.Child is null)
        {
            removed = existing.Matches(name, hash);
            return removed ? RemoveAt(node, index, bitmap & ~bit) : node;
        }

        var child = Remove(existing.Child, name, hash, shift + BitsPerLevel, out removed);
        if (!removed)
        {
            return node;
        }

        // Keep the trie canonical: a child left with a single entry is pulled up into this node.
        return child.Length == 2 && child[1].Child is null
            ? Replace(node, index, child[1])
            : Replace(node, index, Slot.Link(child));
    }

    private static Slot[] Replace(Slot[] source, int index, in Slot value)
    {
        var copy = (Slot[])source.Clone();
        copy[index] = value;
        return copy;
    }

    private static Slot[] Insert(Slot[] source, int index, in Slot value, uint bitmap)
    {
        var copy = new Slot[source.Length + 1];
        Array.Copy(source, 0, copy, 0, index);
        copy[index] = value;
        Array.Copy(source, index, copy, index + 1, source.Length - index);
        copy[0] = Slot.Header(bitmap);
        return copy;
    }

    private static Slot[] RemoveAt(Slot[] source, int index, uint bitmap)
    {
        var copy = new Slot[source.Length - 1];
        Array.Copy(source, 0, copy, 0, index);
        Array.Copy(source, index + 1, copy, index, source.Length - index - 1);
        copy[0] = Slot.Header(bitmap);
        return copy;
    }
}
