using System.Globalization;
using System.Text.Json;

namespace Registry.Adapters.Sync.Serialization;

/// <summary>Describes a JSON parse error as the File registry does: source, line and position (1-based), reason.</summary>
internal static class JsonErrors
{
    /// <summary>Formats a JSON error.</summary>
    /// <param name="source">The file, as it should be named in the message.</param>
    /// <param name="exception">The parse error.</param>
    /// <returns>The message.</returns>
    public static string Describe(string source, JsonException exception)
    {
        var reason = exception.Message;
        var cut = reason.IndexOf(" LineNumber:", StringComparison.Ordinal);
        if (cut > 0)
        {
            reason = reason[..cut];
        }

        var line = (exception.LineNumber ?? 0) + 1;
        var position = (exception.BytePositionInLine ?? 0) + 1;
        return string.Create(CultureInfo.InvariantCulture, $"{source} is not valid JSON (line {line}, position {position}): {reason.TrimEnd('.')}.");
    }
}
