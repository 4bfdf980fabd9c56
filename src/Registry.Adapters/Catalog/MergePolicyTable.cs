using System.Collections.Frozen;

namespace Registry.Adapters;

/// <summary>
/// The merge policy of each mesh service from <see cref="MeshOptions.Services"/>: an exact name beats a glob,
/// a longer glob beats a shorter one (ties: ordinal order of the patterns), else <see cref="MeshOptions.DefaultMerge"/>.
/// Globs use <c>*</c> (any run of characters) and <c>?</c> (one character), case-insensitive.
/// </summary>
internal sealed class MergePolicyTable
{
    private readonly FrozenDictionary<string, MergePolicy> _exact;
    private readonly (string Pattern, MergePolicy Policy)[] _globs;
    private readonly MergePolicy _default;

    public MergePolicyTable(IEnumerable<KeyValuePair<string, MeshServiceOptions>> services, MergePolicy defaultPolicy)
    {
        var exact = new Dictionary<string, MergePolicy>(StringComparer.OrdinalIgnoreCase);
        var globs = new List<(string Pattern, MergePolicy Policy)>();
        foreach (var (key, value) in services)
        {
            if (string.IsNullOrWhiteSpace(key) || value is null)
            {
                continue;
            }

            if (key.AsSpan().IndexOfAny('*', '?') >= 0)
            {
                globs.Add((key, value.Merge));
            }
            else
            {
                exact[key] = value.Merge;
            }
        }

        globs.Sort(static (a, b) => a.Pattern.Length != b.Pattern.Length
            ? b.Pattern.Length.CompareTo(a.Pattern.Length)
            : string.CompareOrdinal(a.Pattern, b.Pattern));
        _exact = exact.ToFrozenDictionary(StringComparer.OrdinalIgnoreCase);
        _globs = [.. globs];
        _default = defaultPolicy;
    }

    /// <summary>The policy of a mesh service.</summary>
    public MergePolicy For(string meshName)
    {
        if (_exact.TryGetValue(meshName, out var policy))
        {
            return policy;
        }

        foreach (var (pattern, globPolicy) in _globs)
        {
            if (GlobMatches(pattern, meshName))
            {
                return globPolicy;
            }
        }

        return _default;
    }

    /// <summary>Matches <paramref name="text"/> against a glob with <c>*</c> and <c>?</c>, ignoring case (ordinal).</summary>
    internal static bool GlobMatches(ReadOnlySpan<char> pattern, ReadOnlySpan<char> text)
    {
        int p = 0, t = 0, starP = -1, starT = 0;
        while (t < text.Length)
        {
            if (p < pattern.Length && (pattern[p] == '?' || CharEquals(pattern[p], text[t])))
            {
                p++;
                t++;
            }
            else if (p < pattern.Length && pattern[p] == '*')
            {
                starP = p++;
                starT = t;
            }
            else if (starP >= 0)
            {
                p = starP + 1;
                t = ++starT;
            }
            else
            {
                return false;
            }
        }

        while (p < pattern.Length && pattern[p] == '*')
        {
            p++;
        }

        return p == pattern.Length;
    }

    private static bool CharEquals(char a, char b) =>
        a == b || char.ToUpperInvariant(a) == char.ToUpperInvariant(b);
}
