using System.Collections.Immutable;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Registry.Adapters;

/// <summary>
/// A persistent hash map of mesh services keyed by name (ordinal, case-insensitive): a hash array mapped trie with
/// 32-way nodes. Setting or removing one service copies only the path to it (at most 7 small arrays), so a change
/// costs O(log32 n) and every other service stays shared by reference. Lookups walk the trie without locks or
/// allocations.
/// </summary>
/// <remarks>
/// Each node is one <see cref="Slot"/> array: slot 0 is a header whose <see cref="Slot.Hash"/> holds the bitmap of
/// occupied branches, then one slot per branch in bit order, either an entry (name, hash, instances and service inline,
/// so a lookup reads no other object before the final name comparison) or a link to a child node that also carries the
/// child's bitmap. A lookup therefore makes one dependent load per level. Below the last level a node holds full-hash
/// collisions, scanned linearly.
/// </remarks>
internal sealed partial class ServiceMap
{
    private const int BitsPerLevel = 5;
    private const int MaxShift = 32;

    private static readonly Slot[] EmptyNode = [default];

    private readonly Slot[] _root;

    private ServiceMap(Slot[] root, int count)
    {
        _root = root;
        Count = count;
    }

    /// <summary>The empty map.</summary>
    public static ServiceMap Empty { get; } = new(EmptyNode, 0);

    /// <summary>The number of services.</summary>
    public int Count { get; }

    /// <summary>Finds a service by name.</summary>
    public MeshService? Find(string name) => Find(name, NameHash.Of(name));

    /// <summary>Finds a service by name with its precomputed <see cref="NameHash"/>.</summary>
    public MeshService? Find(string name, uint hash)
    {
        ref readonly var slot = ref FindSlot(name, hash);
        return Unsafe.IsNullRef(in slot) ? null : slot.Service;
    }

    /// <summary>The instances of a service, or the empty array; the lookup of <see cref="IMeshCatalog.Resolve"/>.</summary>
    public ImmutableArray<MeshInstance> FindInstances(string name, uint hash)
    {
        ref readonly var slot = ref FindSlot(name, hash);
        return Unsafe.IsNullRef(in slot) ? ImmutableArray<MeshInstance>.Empty : slot.Instances;
    }

    /// <summary>Returns a map with <paramref name="service"/> added or replacing the service of the same name.</summary>
    public ServiceMap SetItem(MeshService service)
    {
        var root = Set(_root, Slot.For(service, NameHash.Of(service.Name)), 0, out var added);
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

    private ref readonly Slot FindSlot(string name, uint hash)
    {
        var node = _root;
        var bitmap = node[0].Hash;
        var shift = 0;
        while (shift < MaxShift)
        {
            var bit = Bit(hash, shift);
            if ((bitmap & bit) == 0)
            {
                return ref Unsafe.NullRef<Slot>();
            }

            // In bounds: a node has one slot per set bit after its header.
            ref readonly var slot = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(node), 1 + Index(bitmap, bit));
            if (slot.Child is null)
            {
                return ref slot.Matches(name, hash) ? ref slot : ref Unsafe.NullRef<Slot>();
            }

            // A link slot carries its child's bitmap, so the next level costs one load, not two.
            node = slot.Child;
            bitmap = slot.Hash;
            shift += BitsPerLevel;
        }

        for (var i = 1; i < node.Length; i++)
        {
            if (node[i].Matches(name, hash))
            {
                return ref node[i];
            }
        }

        return ref Unsafe.NullRef<Slot>();
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static uint Bit(uint hash, int shift) => 1u << (int)((hash >> shift) & 31);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int Index(uint bitmap, uint bit) => BitOperations.PopCount(bitmap & (bit - 1));

    private static void CopyTo(Slot[] node, List<MeshService> target)
    {
        for (var i = 1; i < node.Length; i++)
        {
            if (node[i].Child is { } child)
            {
                CopyTo(child, target);
            }
            else
            {
                target.Add(node[i].Service!);
            }
        }
    }

    /// <summary>A header (bitmap in <see cref="Hash"/>), an entry, or a link to a child node (with the child's bitmap in <see cref="Hash"/>).</summary>
    internal readonly struct Slot
    {
        public readonly uint Hash;
        public readonly string? Name;
        public readonly ImmutableArray<MeshInstance> Instances;
        public readonly MeshService? Service;
        public readonly Slot[]? Child;

        private Slot(uint hash, string? name, ImmutableArray<MeshInstance> instances, MeshService? service, Slot[]? child)
        {
            Hash = hash;
            Name = name;
            Instances = instances;
            Service = service;
            Child = child;
        }

        public static Slot For(MeshService service, uint hash) => new(hash, service.Name, service.Instances, service, null);

        public static Slot Header(uint bitmap) => new(bitmap, null, default, null, null);

        public static Slot Link(Slot[] child) => new(child[0].Hash, null, default, null, child);

        /// <summary>Stored names are lower-case, so the ordinal comparison usually decides a hit; case variants fall through.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public bool Matches(string name, uint hash) =>
            Hash == hash && (string.Equals(Name, name, StringComparison.Ordinal) || string.Equals(Name, name, StringComparison.OrdinalIgnoreCase));
    }
}
