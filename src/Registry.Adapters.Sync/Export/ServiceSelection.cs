using System.Collections.Immutable;

namespace Registry.Adapters.Sync.Export;

/// <summary>
/// Which mesh services and instances an export takes: <c>--service GLOB</c> (any of them; none = all),
/// <c>--exclude GLOB</c>, <c>--from REGISTRY</c> (instances of those registries only) and <c>--only-healthy</c>.
/// Globs use <c>*</c> and <c>?</c>, case-insensitive, on mesh names.
/// </summary>
internal sealed record ServiceSelection(IReadOnlyList<string> Include, IReadOnlyList<string> Exclude, IReadOnlyList<string> From, bool OnlyHealthy)
{
    /// <summary>The selected services, sorted by name, each with the selected instances; services left without instances are dropped.</summary>
    public IEnumerable<MeshService> Apply(MeshSnapshot snapshot)
    {
        foreach (var service in snapshot.GetServices())
        {
            if ((Include.Count > 0 && !Include.Any(g => Glob(g, service.Name))) || Exclude.Any(g => Glob(g, service.Name)))
            {
                continue;
            }

            var instances = service.Instances.Where(i =>
                (From.Count == 0 || From.Contains(i.Registry, StringComparer.OrdinalIgnoreCase))
                && (!OnlyHealthy || i.Instance.Health == HealthStatus.Healthy)).ToImmutableArray();
            if (instances.Length > 0)
            {
                yield return instances.Length == service.Instances.Length ? service : service with { Instances = instances };
            }
        }
    }

    /// <summary>Matches a glob (<c>*</c> any run, <c>?</c> one character), ordinal ignoring case.</summary>
    public static bool Glob(ReadOnlySpan<char> pattern, ReadOnlySpan<char> text)
    {
        int p = 0, t = 0, star = -1, mark = 0;
        while (t < text.Length)
        {
            if (p < pattern.Length && (pattern[p] == '?' || char.ToLowerInvariant(pattern[p]) == char.ToLowerInvariant(text[t])))
            {
                p++;
                t++;
            }
            else if (p < pattern.Length && pattern[p] == '*')
            {
                star = p++;
                mark = t;
            }
            else if (star >= 0)
            {
                p = star + 1;
                t = ++mark;
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
}
