namespace Registry.Adapters;

/// <summary>Path-copying updates of the trie.</summary>
internal sealed partial class ServiceMap
{
    private static Node Set(Node node, in Entry entry, int shift, out bool added)
    {
        if (shift >= MaxShift)
        {
            return SetInCollision(node, entry, out added);
        }

        var bit = Bit(entry.Hash, shift);
        if ((node.DataMap & bit) != 0)
        {
            var index = Index(node.DataMap, bit);
            var existing = node.Data[index];
            if (SameKey(existing, entry.Service.Name, entry.Hash))
            {
                added = false;
                return new Node(node.DataMap, node.NodeMap, Replace(node.Data, index, entry), node.Children);
            }

            added = true;
            var child = MergeTwo(existing, entry, shift + BitsPerLevel);
            return new Node(
                node.DataMap & ~bit,
                node.NodeMap | bit,
                RemoveAt(node.Data, index),
                Insert(node.Children, Index(node.NodeMap, bit), child));
        }

        if ((node.NodeMap & bit) != 0)
        {
            var index = Index(node.NodeMap, bit);
            var child = Set(node.Children[index], entry, shift + BitsPerLevel, out added);
            return new Node(node.DataMap, node.NodeMap, node.Data, Replace(node.Children, index, child));
        }

        added = true;
        return new Node(node.DataMap | bit, node.NodeMap, Insert(node.Data, Index(node.DataMap, bit), entry), node.Children);
    }

    private static Node SetInCollision(Node node, in Entry entry, out bool added)
    {
        for (var i = 0; i < node.Data.Length; i++)
        {
            if (SameKey(node.Data[i], entry.Service.Name, entry.Hash))
            {
                added = false;
                return new Node(0, 0, Replace(node.Data, i, entry), []);
            }
        }

        added = true;
        return new Node(0, 0, Insert(node.Data, node.Data.Length, entry), []);
    }

    private static Node MergeTwo(in Entry a, in Entry b, int shift)
    {
        if (shift >= MaxShift)
        {
            return new Node(0, 0, [a, b], []);
        }

        var bitA = Bit(a.Hash, shift);
        var bitB = Bit(b.Hash, shift);
        if (bitA == bitB)
        {
            return new Node(0, bitA, [], [MergeTwo(a, b, shift + BitsPerLevel)]);
        }

        return bitA < bitB ? new Node(bitA | bitB, 0, [a, b], []) : new Node(bitA | bitB, 0, [b, a], []);
    }

    private static Node Remove(Node node, string name, uint hash, int shift, out bool removed)
    {
        if (shift >= MaxShift)
        {
            for (var i = 0; i < node.Data.Length; i++)
            {
                if (SameKey(node.Data[i], name, hash))
                {
                    removed = true;
                    return new Node(0, 0, RemoveAt(node.Data, i), []);
                }
            }

            removed = false;
            return node;
        }

        var bit = Bit(hash, shift);
        if ((node.DataMap & bit) != 0)
        {
            var index = Index(node.DataMap, bit);
            if (!SameKey(node.Data[index], name, hash))
            {
                removed = false;
                return node;
            }

            removed = true;
            return node.Data.Length == 1 && node.Children.Length == 0
                ? Node.EmptyNode
                : new Node(node.DataMap & ~bit, node.NodeMap, RemoveAt(node.Data, index), node.Children);
        }

        if ((node.NodeMap & bit) == 0)
        {
            removed = false;
            return node;
        }

        var childIndex = Index(node.NodeMap, bit);
        var child = Remove(node.Children[childIndex], name, hash, shift + BitsPerLevel, out removed);
        if (!removed)
        {
            return node;
        }

        if (child.Children.Length == 0 && child.Data.Length == 1)
        {
            // Keep the trie canonical: a sub-node left with one entry is pulled up into its parent.
            return new Node(
                node.DataMap | bit,
                node.NodeMap & ~bit,
                Insert(node.Data, Index(node.DataMap, bit), child.Data[0]),
                RemoveAt(node.Children, childIndex));
        }

        return new Node(node.DataMap, node.NodeMap, node.Data, Replace(node.Children, childIndex, child));
    }

    private static T[] Replace<T>(T[] source, int index, T value)
    {
        var copy = (T[])source.Clone();
        copy[index] = value;
        return copy;
    }

    private static T[] Insert<T>(T[] source, int index, T value)
    {
        var copy = new T[source.Length + 1];
        Array.Copy(source, 0, copy, 0, index);
        copy[index] = value;
        Array.Copy(source, index, copy, index + 1, source.Length - index);
        return copy;
    }

    private static T[] RemoveAt<T>(T[] source, int index)
    {
        if (source.Length == 1)
        {
            return [];
        }

        var copy = new T[source.Length - 1];
        Array.Copy(source, 0, copy, 0, index);
        Array.Copy(source, index + 1, copy, index, source.Length - index - 1);
        return copy;
    }
}
