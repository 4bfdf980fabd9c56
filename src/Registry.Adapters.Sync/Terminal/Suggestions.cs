namespace Registry.Adapters.Sync;

/// <summary>"Did you mean" for a mistyped command, option or value: the closest candidate by edit distance.</summary>
internal static class Suggestions
{
    /// <summary>The candidate closest to <paramref name="typed"/>, when it is close enough to be a typo.</summary>
    /// <param name="typed">What the user typed.</param>
    /// <param name="candidates">What would have been valid.</param>
    /// <returns>The best candidate, or <see langword="null"/> when none is near.</returns>
    public static string? Closest(string typed, IReadOnlyList<string> candidates)
    {
        ArgumentNullException.ThrowIfNull(typed);
        ArgumentNullException.ThrowIfNull(candidates);
        string? best = null;
        var bestDistance = int.MaxValue;
        var bare = typed.TrimStart('-');
        if (bare.Length < 3)
        {
            // Two letters are too few to guess from ('x' is not a typo of '-o').
            return null;
        }

        foreach (var candidate in candidates)
        {
            var distance = Distance(bare.ToUpperInvariant(), candidate.TrimStart('-').ToUpperInvariant());
            if (distance < bestDistance)
            {
                (best, bestDistance) = (candidate, distance);
            }
        }

        // One edit in short words, about a third of the letters in longer ones; or a clear prefix ('krat' for 'Kratos').
        var allowed = Math.Max(1, bare.Length / 3);
        if (bestDistance > 0 && bestDistance <= allowed)
        {
            return best;
        }

        var prefixed = candidates.Where(c => c.TrimStart('-').StartsWith(bare, StringComparison.OrdinalIgnoreCase)).Take(2).ToList();
        return prefixed.Count == 1 ? prefixed[0] : null;
    }

    /// <summary>Optimal string alignment distance: insertions, deletions, substitutions and swaps of neighbours.</summary>
    internal static int Distance(string a, string b)
    {
        var d = new int[a.Length + 1, b.Length + 1];
        for (var i = 0; i <= a.Length; i++)
        {
            d[i, 0] = i;
        }

        for (var j = 0; j <= b.Length; j++)
        {
            d[0, j] = j;
        }

        for (var i = 1; i <= a.Length; i++)
        {
            for (var j = 1; j <= b.Length; j++)
            {
                var cost = a[i - 1] == b[j - 1] ? 0 : 1;
                d[i, j] = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + cost);
                if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
                {
                    d[i, j] = Math.Min(d[i, j], d[i - 2, j - 2] + 1);
                }
            }
        }

        return d[a.Length, b.Length];
    }
}
