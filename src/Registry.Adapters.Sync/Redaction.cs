using Registry.Adapters.Backends;

namespace Registry.Adapters.Sync;

/// <summary>Removes secrets from text the console prints, through the process-wide <see cref="SecretScrubber"/>: every registered secret, URL user info, bearer/basic credentials.</summary>
internal static class Redaction
{
    /// <summary>Redacts a text.</summary>
    /// <param name="text">The text, from a registry or an exception.</param>
    /// <returns>The text without secrets.</returns>
    public static string Redact(string text) => SecretScrubber.Scrub(text) ?? string.Empty;
}
