using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Security.Cryptography;

namespace Registry.Adapters;

/// <summary>
/// The hash of a mesh name that agrees with <see cref="StringComparison.OrdinalIgnoreCase"/> equality, without allocating.
/// </summary>
/// <remarks>
/// ASCII names (nearly all) take a fast path: four characters at a time, letters folded with <c>| 0x20</c>, mixed with a
/// per-process random seed so names from a registry cannot be chosen to collide. A name with any non-ASCII character
/// uses the runtime's randomized case-insensitive hash instead. The two paths never need to agree: under
/// OrdinalIgnoreCase no non-ASCII character equals an ASCII one, so such a name never equals an ASCII name.
/// </remarks>
internal static class NameHash
{
    private const ulong Multiplier = 0x9E3779B97F4A7C15;
    private const ulong NonAscii = 0xFF80_FF80_FF80_FF80;
    private const ulong Fold = 0x0020_0020_0020_0020;

    private static readonly ulong Seed = BitConverter.ToUInt64(RandomNumberGenerator.GetBytes(8));

    /// <summary>Hashes <paramref name="name"/> case-insensitively.</summary>
    public static uint Of(string name)
    {
        var chars = name.AsSpan();
        var hash = Seed ^ (ulong)chars.Length;
        var blocks = MemoryMarshal.Cast<char, ulong>(chars);
        foreach (var block in blocks)
        {
            if ((block & NonAscii) != 0)
            {
                return Fallback(name);
            }

            hash = Mix(hash, block | Fold);
        }

        ulong tail = 0;
        for (var i = blocks.Length * 4; i < chars.Length; i++)
        {
            var c = chars[i];
            if (c > 0x7F)
            {
                return Fallback(name);
            }

            tail = (tail << 16) | (uint)(c | 0x20);
        }

        hash = Mix(hash, tail);
        hash ^= hash >> 33;
        hash *= 0xFF51AFD7ED558CCD;
        hash ^= hash >> 33;
        return (uint)hash;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong Mix(ulong hash, ulong block) => BitOperations.RotateLeft((hash ^ block) * Multiplier, 29);

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static uint Fallback(string name) => (uint)string.GetHashCode(name, StringComparison.OrdinalIgnoreCase);
}
