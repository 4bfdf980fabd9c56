using System.Text.Json.Nodes;

namespace Registry.Adapters.Kubernetes.Tests;

/// <summary>The label selectors of the API: equality-based (<c>a=b</c>, <c>a==b</c>, <c>a!=b</c>, <c>a</c>, <c>!a</c>) and set-based (<c>a in (x,y)</c>, <c>a notin (x)</c>), comma-separated.</summary>
internal sealed class LabelSelector
{
    private readonly List<(string Key, string Op, string? Value)> _terms = [];
    private readonly List<(string Key, bool In, HashSet<string> Values)> _sets = [];

    public static LabelSelector Everything { get; } = new();

    public static bool TryParse(string? text, out LabelSelector selector)
    {
        selector = new LabelSelector();
        if (string.IsNullOrWhiteSpace(text))
        {
            return true;
        }

        foreach (var raw in SplitTerms(text))
        {
            if (raw.Length == 0)
            {
                return false;
            }

            var open = raw.IndexOf('(', StringComparison.Ordinal);
            if (open >= 0)
            {
                var head = raw[..open].Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries);
                if (head is not [var setKey, "in" or "notin"] || !raw.EndsWith(')'))
                {
                    return false;
                }

                var values = raw[(open + 1)..^1].Split(',', StringSplitOptions.TrimEntries).ToHashSet(StringComparer.Ordinal);
                selector._sets.Add((setKey, head[1] == "in", values));
                continue;
            }

            if (raw.Split("!=") is [var k1, var v1])
            {
                selector._terms.Add((k1.Trim(), "!=", v1.Trim()));
            }
            else if (raw.Split("==") is [var k2, var v2])
            {
                selector._terms.Add((k2.Trim(), "=", v2.Trim()));
            }
            else if (raw.Split('=') is [var k3, var v3])
            {
                selector._terms.Add((k3.Trim(), "=", v3.Trim()));
            }
            else if (raw.StartsWith('!'))
            {
                selector._terms.Add((raw[1..].Trim(), "!", null));
            }
            else if (!raw.Contains('=', StringComparison.Ordinal))
            {
                selector._terms.Add((raw, "exists", null));
            }
            else
            {
                return false;
            }
        }

        return true;
    }

    private static List<string> SplitTerms(string text)
    {
        var terms = new List<string>();
        var depth = 0;
        var start = 0;
        for (var i = 0; i < text.Length; i++)
        {
            depth += text[i] == '(' ? 1 : text[i] == ')' ? -1 : 0;
            if (text[i] == ',' && depth == 0)
            {
                terms.Add(text[start..i].Trim());
                start = i + 1;
            }
        }

        terms.Add(text[start..].Trim());
        return terms;
    }

    public bool Matches(JsonObject? labels)
    {
        foreach (var (key, isIn, values) in _sets)
        {
            var actual = labels?[key]?.GetValue<string>();
            if (isIn ? actual is null || !values.Contains(actual) : actual is not null && values.Contains(actual))
            {
                return false;
            }
        }

        foreach (var (key, op, value) in _terms)
        {
            var actual = labels?[key]?.GetValue<string>();
            var ok = op switch
            {
                "=" => actual == value,
                "!=" => actual != value,
                "!" => actual is null,
                _ => actual is not null,
            };
            if (!ok)
            {
                return false;
            }
        }

        return true;
    }
}
