using System.Globalization;
using System.Text;

namespace Registry.Adapters;

/// <summary>
/// A registry's mesh-name template: literals and the variables <c>{service}</c>, <c>{namespace}</c> and
/// <c>{name}</c> (the whole source name). Kubernetes source names are <c>{service}.{namespace}</c>; for other
/// kinds <c>{service}</c> is the whole source name and <c>{namespace}</c> is empty.
/// </summary>
internal sealed class NameTemplate
{
    /// <summary>The kind whose source names carry a namespace.</summary>
    public const string KubernetesKind = "kubernetes";

    private readonly Part[] _parts;
    private readonly bool _splitNamespace;

    private NameTemplate(string text, Part[] parts, bool splitNamespace)
    {
        Text = text;
        _parts = parts;
        _splitNamespace = splitNamespace;
    }

    private enum Variable
    {
        None,
        Service,
        Namespace,
        Name,
    }

    /// <summary>The template text.</summary>
    public string Text { get; }

    /// <summary>The default template of a kind.</summary>
    public static string DefaultFor(string kind) =>
        IsKubernetes(kind) ? "{service}.{namespace}" : "{service}";

    /// <summary>Parses a template.</summary>
    /// <exception cref="ArgumentException">An unknown variable or an unbalanced brace.</exception>
    public static NameTemplate Parse(string? template, string kind, string paramName)
    {
        var text = string.IsNullOrWhiteSpace(template) ? DefaultFor(kind) : template.Trim();
        var parts = new List<Part>();
        var i = 0;
        while (i < text.Length)
        {
            var open = text.IndexOf('{', i);
            var strayClose = text.IndexOf('}', i);
            if (strayClose >= 0 && (open < 0 || strayClose < open))
            {
                throw new ArgumentException($"The name template '{text}' has a '}}' without a matching '{{'.", paramName);
            }

            if (open < 0)
            {
                parts.Add(new Part(text[i..], Variable.None));
                break;
            }

            if (open > i)
            {
                parts.Add(new Part(text[i..open], Variable.None));
            }

            var close = text.IndexOf('}', open + 1);
            if (close < 0)
            {
                throw new ArgumentException($"The name template '{text}' has a '{{' without a matching '}}'.", paramName);
            }

            var variable = text[(open + 1)..close].Trim().ToLowerInvariant() switch
            {
                "service" => Variable.Service,
                "namespace" => Variable.Namespace,
                "name" => Variable.Name,
                var unknown => throw new ArgumentException(
                    $"The name template '{text}' uses the unknown variable '{{{unknown}}}'. Use {{service}}, {{namespace}} or {{name}}.", paramName),
            };
            parts.Add(new Part(null, variable));
            i = close + 1;
        }

        if (!parts.Exists(static p => p.Variable != Variable.None))
        {
            throw new ArgumentException($"The name template '{text}' uses no variable; every service would get the same mesh name. Use {{service}}.", paramName);
        }

        return new NameTemplate(text, [.. parts], IsKubernetes(kind));
    }

    /// <summary>Applies the template to a source name and lower-cases the result.</summary>
    public string Apply(string sourceName)
    {
        var service = sourceName.AsSpan();
        var ns = ReadOnlySpan<char>.Empty;
        if (_splitNamespace)
        {
            var dot = sourceName.IndexOf('.', StringComparison.Ordinal);
            if (dot >= 0)
            {
                service = sourceName.AsSpan(0, dot);
                ns = sourceName.AsSpan(dot + 1);
            }
        }

        var builder = new StringBuilder(sourceName.Length + 16);
        foreach (var part in _parts)
        {
            _ = part.Variable switch
            {
                Variable.Service => builder.Append(service),
                Variable.Namespace => builder.Append(ns),
                Variable.Name => builder.Append(sourceName),
                _ => builder.Append(part.Literal),
            };
        }

        // An empty namespace must not leave a dangling separator ("orders." for "{service}.{namespace}").
        return builder.ToString().Trim('.').ToLower(CultureInfo.InvariantCulture);
    }

    private static bool IsKubernetes(string kind) => string.Equals(kind, KubernetesKind, StringComparison.OrdinalIgnoreCase);

    private readonly record struct Part(string? Literal, Variable Variable);
}
