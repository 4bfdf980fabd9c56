using System.Numerics;
using System.Runtime.CompilerServices;

namespace Registry.Adapters;

/// <summary>
/// A persistent hash map of mesh services keyed by name (ordinal, case-insensitive): a CHAMP-style
/// hash array mapped trie with 32-way nodes. Setting or removing one service copies only the path
/// to it (at most 7 nodes), so a change costs O(log32 n) and every other service stays shared by
/// reference. Lookups walk the trie without locks or allocations.
/// </summary>
internal sealed partial class ServiceMap
{
    private const int BitsPerLevel = 5;
    private const int MaxShift = 32;

    private readonly Node _root;

    private ServiceMap(Node root, int count)
    {
        _root = root;
        Count = count;
    }

    /// <summary>The empty map.</summary>
    public static ServiceMap Empty { get; } = new(Node.EmptyNode, 0);

    /// <summary>The number of services.</summary>
    public int Count { get; }

    /// <summary>Finds a service by name.</summary>
    public MeshService? Find(string name) => Find(name, NameHash.Of(name));

    /// <summary>Finds a service by name with its precomputed <see cref="NameHash"/>.</summary>
    public MeshService? Find(string name, uint hash)
    {
        var node = _root;
        var shift = 0;
        while (true)
        {
            if (shift >= MaxShift)
            {
                return FindInCollision(node, name, hash);
            }

            var bit = Bit(hash, shift);
            if ((node.DataMap & bit) != 0)
            {
                ref readonly var entry = ref node.Data[Index(node.DataMap, bit)];
                return entry.Hash == hash && string.Equals(entry.Service.Name, name, StringComparison.OrdinalIgnoreCase)
                    ? entry.Service
                    : null;
            }

            if ((node.NodeMap & bit) == 0)
            {
                return null;
            }

            node = node.Children[Index(node.NodeMap, bit)];
            shift += BitsPerLevel;
        }
    }

    /// <summary>Returns a map with <paramref name="service"/> added or replacing the service of the same name.</summary>
    public ServiceMap SetItem(MeshService service)
    {
        var entry = new Entry(NameHash.Of(service.Name), service);
        var root = Set(_root, entry, 0, out var added);
        return new ServiceMap(root, added ? Count + 1 : Count);
    }

    /// <summary>Returns a map without the service of that name (this map when absent).</summary>
    public ServiceMap Remove(string name)
    {
        var root = Remove(_root, name, NameHash.Of(name), 0, out var removed);
        return removed ? new ServiceMap(root, Count - 1) : this;
    }

    /// <summary>Copies every service into <paramref name="target"/>, in no particular order.</summary>
    public void CopyTo(List<MeshService> target) => CopyTo(_root, target);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static uint Bit(uint hash, int shift) => 1u << (int)((hash >> shift) & 31);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int Index(uint map, uint bit) => BitOperations.PopCount(map & (bit - 1));

    private static bool SameKey(in Entry entry, string name, uint hash) =>
        entry.Hash == hash && string.Equals(entry.Service.Name, name, StringComparison.OrdinalIgnoreCase);

    private static MeshService? FindInCollision(Node node, string name, uint hash)
    {
        foreach (ref readonly var entry in node.Data.AsSpan())
        {
            if (SameKey(entry, name, hash))
            {
                return entry.Service;
            }
        }

        return null;
    }

    private static void CopyTo(Node node, List<MeshService> target)
    {
        foreach (var entry in node.Data)
        {
            target.Add(entry.Service);
        }

        foreach (var child in node.Children)
        {
            CopyTo(child, target);
        }
    }

    /// <summary>One key/value of the trie: the service and the hash of its name.</summary>
    internal readonly record struct Entry(uint Hash, MeshService Service);

    /// <summary>
    /// A trie node: inline entries (<see cref="DataMap"/>) and sub-nodes (<see cref="NodeMap"/>), each
    /// stored densely in bit order. Below the last level a node holds full-hash collisions in <see cref="Data"/>.
    /// </summary>
    internal sealed class Node(uint dataMap, uint nodeMap, Entry[] data, Node[] children)
    {
        public static readonly Node EmptyNode = new(0, 0, [], []);

        public readonly uint DataMap = dataMap;
        public readonly uint NodeMap = nodeMap;
        public readonly Entry[] Data = data;
        public readonly Node[] Children = children;
    }
}
