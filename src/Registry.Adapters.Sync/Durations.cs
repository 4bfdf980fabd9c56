using System.Globalization;

namespace Registry.Adapters.Sync;

/// <summary>Parses durations given on the command line: <c>10</c> (seconds), <c>10s</c>, <c>500ms</c>, <c>2m</c>, or <c>00:00:10</c>.</summary>
internal static class Durations
{
    public static bool TryParse(string? text, out TimeSpan value) => TryParseAny(text, out value) && value > TimeSpan.Zero;

    /// <summary>Parses a duration that may be zero or negative, so a caller can say "must be positive" rather than "not a duration".</summary>
    public static bool TryParseAny(string? text, out TimeSpan value)
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
                return FromSeconds(number * scale, out value);
            }
        }

        if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds))
        {
            return FromSeconds(seconds, out value);
        }

        return TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out value);
    }

    public static string Format(TimeSpan value) => value.TotalSeconds >= 1 && value.TotalSeconds == Math.Floor(value.TotalSeconds)
        ? string.Create(CultureInfo.InvariantCulture, $"{value.TotalSeconds:0} s")
        : string.Create(CultureInfo.InvariantCulture, $"{value.TotalMilliseconds:0} ms");

    /// <summary>A duration as a person reads it: <c>180 ms</c>, <c>1.5 s</c>, <c>2 min 5 s</c>, <c>1 h 30 min</c>.</summary>
    public static string Human(TimeSpan value)
    {
        var sign = value < TimeSpan.Zero ? "-" : "";
        value = value.Duration();
        return value.TotalSeconds switch
        {
            < 1 => string.Create(CultureInfo.InvariantCulture, $"{sign}{Math.Round(value.TotalMilliseconds):0} ms"),
            < 10 => string.Create(CultureInfo.InvariantCulture, $"{sign}{Math.Round(value.TotalSeconds, 1):0.#} s"),
            < 60 => string.Create(CultureInfo.InvariantCulture, $"{sign}{Math.Round(value.TotalSeconds):0} s"),
            < 3600 => string.Create(CultureInfo.InvariantCulture, $"{sign}{(int)value.TotalMinutes} min{(value.Seconds > 0 ? $" {value.Seconds} s" : "")}"),
            _ => string.Create(CultureInfo.InvariantCulture, $"{sign}{(int)value.TotalHours} h{(value.Minutes > 0 ? $" {value.Minutes} min" : "")}"),
        };
    }

    private static bool FromSeconds(double seconds, out TimeSpan value)
    {
        value = default;
        if (double.IsNaN(seconds) || Math.Abs(seconds) > TimeSpan.MaxValue.TotalSeconds / 2)
        {
            return false;
        }

        value = TimeSpan.FromSeconds(seconds);
        return true;
    }
}
