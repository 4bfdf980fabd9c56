using System.Text.RegularExpressions;

namespace Registry.Adapters.Sync;

/// <summary>Removes secrets from text the console prints: user-info in URLs (<c>https://user:pass@host</c> becomes <c>https://***@host</c>).</summary>
internal static partial class Redaction
{
    /// <summary>Redacts a text.</summary>
    /// <param name="text">The text, from a registry or an exception.</param>
    /// <returns>The text without URL user-info.</returns>
    public static string Redact(string text) => string.IsNullOrEmpty(text) ? text : UserInfo().Replace(text, "${scheme}***@");

    [GeneratedRegex(@"(?<scheme>\b[a-zA-Z][a-zA-Z0-9+.\-]*://)[^/\s]*@(?=[^/@\s]*(?:[/:\s]|$))", RegexOptions.CultureInvariant)]
    private static partial Regex UserInfo();
}
