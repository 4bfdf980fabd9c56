using System.Text.Json.Nodes;

namespace Registry.Adapters.Kubernetes.Tests;

/// <summary>The equality-based label selectors of the API (<c>a=b</c>, <c>a==b</c>, <c>a!=b</c>, <c>a</c>, <c>!a</c>, comma-separated).</summary>
internal sealed class LabelSelector
{
    private readonly List<(string Key, string Op, string? Value)> _terms = [];

    public static LabelSelector Everything { get; } = new();

    public static bool TryParse(string? text, out LabelSelector selector)
    {
        selector = new LabelSelector();
        if (string.IsNullOrWhiteSpace(text))
        {
            return true;
        }

        foreach (var raw in text.Split(',', StringSplitOptions.TrimEntries))
        {
            if (raw.Length == 0 || raw.Contains('(', StringComparison.Ordinal))
            {
                return false;
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

    public bool Matches(JsonObject? labels)
    {
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
