using System.Globalization;

namespace Registry.Adapters.Sync;

/// <summary>Parses durations given on the command line: <c>10</c> (seconds), <c>10s</c>, <c>500ms</c>, <c>2m</c>, or <c>00:00:10</c>.</summary>
internal static class Durations
{
    public static bool TryParse(string? text, out TimeSpan value)
    {
        value = default;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }

        text = text.Trim();
        (string Suffix, double Scale)[] units = [("ms", 0.001), ("s", 1), ("m", 60), ("h", 3600)];
        foreach (var (suffix, scale) in units)
        {
            if (text.EndsWith(suffix, StringComparison.OrdinalIgnoreCase)
                && double.TryParse(text[..^suffix.Length], NumberStyles.Float, CultureInfo.InvariantCulture, out var number))
            {
                return Positive(number * scale, out value);
            }
        }

        if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds))
        {
            return Positive(seconds, out value);
        }

        return TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out value) && value > TimeSpan.Zero;
    }

    public static string Format(TimeSpan value) => value.TotalSeconds >= 1 && value.TotalSeconds == Math.Floor(value.TotalSeconds)
        ? string.Create(CultureInfo.InvariantCulture, $"{value.TotalSeconds:0} s")
        : string.Create(CultureInfo.InvariantCulture, $"{value.TotalMilliseconds:0} ms");

    private static bool Positive(double seconds, out TimeSpan value)
    {
        value = default;
        if (double.IsNaN(seconds) || seconds <= 0 || seconds > TimeSpan.MaxValue.TotalSeconds / 2)
        {
            return false;
        }

        value = TimeSpan.FromSeconds(seconds);
        return true;
    }
}
