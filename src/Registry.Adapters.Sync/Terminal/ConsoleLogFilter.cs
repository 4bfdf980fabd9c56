using System.Globalization;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging;

namespace Registry.Adapters.Sync;

/// <summary>
/// What the console logs. The console reports every registry's state itself, one line each
/// (<c>mesh-sync: registry 'consul' (consul) is failed: …</c>), so unless <c>--verbose</c> a backend's
/// warnings (its retries) and the catalog's stale/failed warnings are not repeated; skipped records and the
/// catalog's other warnings (name conflicts, held-back snapshots) are shown.
/// </summary>
internal static partial class ConsoleLogFilter
{
    private const string CatalogCategory = "Registry.Adapters.MeshCatalog";

    // MeshCatalog: 1003 a registry is stale, 1004 a registry failed before its first sync.
    private static readonly HashSet<int> StateEvents = [1003, 1004];

    /// <summary>Whether a level of a category is logged at all.</summary>
    public static bool IsEnabled(LogLevel minimum, string category, LogLevel level)
    {
        if (level == LogLevel.None || level < minimum)
        {
            return false;
        }

        // A backend's warnings are decided per event (IsShown): its skipped records are shown.
        return true;
    }

    /// <summary>
    /// Whether an event is shown: below Debug, not the catalog's registry-state events, and of a backend's
    /// warnings only its skipped records (the <c>[LoggerMessage]</c> method <c>RecordSkipped</c>, whatever the backend).
    /// </summary>
    public static bool IsShown(LogLevel minimum, string category, EventId eventId, LogLevel level = LogLevel.Warning)
    {
        if (minimum <= LogLevel.Debug)
        {
            return true;
        }

        if (category == CatalogCategory)
        {
            return !StateEvents.Contains(eventId.Id);
        }

        return !IsBackend(category) || level >= LogLevel.Error || eventId.Name == "RecordSkipped";
    }

    private static bool IsBackend(string category) =>
        category.StartsWith("Registry.Adapters", StringComparison.Ordinal) && category != CatalogCategory;

    /// <summary>Renders the <see cref="TimeSpan"/> arguments of a log message, and fractional milliseconds, as a person writes them.</summary>
    public static string HumanDurations<TState>(string message, TState state)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (state is IEnumerable<KeyValuePair<string, object?>> values)
        {
            foreach (var (_, value) in values)
            {
                if (value is TimeSpan span)
                {
                    message = message.Replace(span.ToString(), Durations.Human(span), StringComparison.Ordinal);
                }
            }
        }

        return FractionalMilliseconds().Replace(message, static m =>
            Durations.Human(TimeSpan.FromMilliseconds(double.Parse(m.Groups["ms"].Value, CultureInfo.InvariantCulture))));
    }

    [GeneratedRegex(@"\b(?<ms>\d+\.\d+) ?ms\b", RegexOptions.CultureInvariant)]
    private static partial Regex FractionalMilliseconds();
}
