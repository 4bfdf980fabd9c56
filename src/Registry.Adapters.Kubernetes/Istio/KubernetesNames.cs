using System.Security.Cryptography;
using System.Text;

namespace Registry.Adapters.Kubernetes.Istio;

/// <summary>The API server's name rules (apimachinery <c>validation.IsDNS1123Subdomain</c>, <c>IsQualifiedName</c>, <c>IsValidLabelValue</c>) and safe object names.</summary>
internal static class KubernetesNames
{
    /// <summary>The longest DNS-1123 subdomain (an object name).</summary>
    public const int MaxSubdomainLength = 253;

    /// <summary>The longest DNS-1123 label, label name or label value.</summary>
    public const int MaxLabelLength = 63;

    /// <summary>A DNS-1123 subdomain: lower-case alphanumeric labels of at most 63 characters joined by dots, '-' inside labels, 253 in all.</summary>
    public static bool IsDns1123Subdomain(string? value)
    {
        if (string.IsNullOrEmpty(value) || value.Length > MaxSubdomainLength)
        {
            return false;
        }

        foreach (var label in value.Split('.'))
        {
            if (!IsDns1123Label(label))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>A DNS-1123 label: 1 to 63 of <c>[a-z0-9-]</c>, starting and ending alphanumeric.</summary>
    public static bool IsDns1123Label(string? value)
    {
        if (string.IsNullOrEmpty(value) || value.Length > MaxLabelLength || value[0] == '-' || value[^1] == '-')
        {
            return false;
        }

        foreach (var c in value)
        {
            if (c is not ((>= 'a' and <= 'z') or (>= '0' and <= '9') or '-'))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>A label key: an optional DNS-1123 subdomain prefix and '/', then a name of 1 to 63 of <c>[A-Za-z0-9-_.]</c> starting and ending alphanumeric.</summary>
    public static bool IsQualifiedName(string? key)
    {
        if (string.IsNullOrEmpty(key))
        {
            return false;
        }

        var slash = key.IndexOf('/', StringComparison.Ordinal);
        if (slash >= 0)
        {
            if (!IsDns1123Subdomain(key[..slash]))
            {
                return false;
            }

            key = key[(slash + 1)..];
        }

        return key.Length is > 0 and <= MaxLabelLength && IsNamePart(key);
    }

    /// <summary>A label value: empty, or 1 to 63 of <c>[A-Za-z0-9-_.]</c> starting and ending alphanumeric.</summary>
    public static bool IsLabelValue(string? value) =>
        value is not null && (value.Length == 0 || (value.Length <= MaxLabelLength && IsNamePart(value)));

    /// <summary>
    /// An object name for <paramref name="source"/>: the text lower-cased with every character outside <c>[a-z0-9.-]</c>
    /// turned into '-'; when that changed anything or is too long, a hash of the original is appended so that two
    /// different sources never share a name.
    /// </summary>
    public static string ObjectName(string source, int maxLength = MaxSubdomainLength)
    {
        if (IsDns1123Subdomain(source) && source.Length <= maxLength)
        {
            return source;
        }

        var builder = new StringBuilder(source.Length);
        foreach (var c in source.ToLowerInvariant())
        {
            builder.Append(c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '.' ? c : '-');
        }

        var cleaned = string.Join('.', builder.ToString().Split('.', StringSplitOptions.RemoveEmptyEntries)
            .Select(static l => l.Trim('-')).Where(static l => l.Length > 0).Select(static l => l.Length > MaxLabelLength ? l[..MaxLabelLength].TrimEnd('-') : l));
        var suffix = Hash(source);
        var room = maxLength - suffix.Length - 1;
        if (cleaned.Length > room)
        {
            cleaned = cleaned[..room].TrimEnd('-', '.');
        }

        var lastDot = cleaned.LastIndexOf('.');
        var tail = cleaned.Length - lastDot - 1;
        var joiner = cleaned.Length == 0 ? string.Empty : tail + 1 + suffix.Length > MaxLabelLength ? "." : "-";
        return cleaned + joiner + suffix;
    }

    /// <summary>A short stable hash: the first 8 hex digits of the SHA-256 of the UTF-8 text.</summary>
    public static string Hash(string text) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)), 0, 4);

    private static bool IsNamePart(string value)
    {
        if (!char.IsAsciiLetterOrDigit(value[0]) || !char.IsAsciiLetterOrDigit(value[^1]))
        {
            return false;
        }

        foreach (var c in value)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c is not ('-' or '_' or '.'))
            {
                return false;
            }
        }

        return true;
    }
}
