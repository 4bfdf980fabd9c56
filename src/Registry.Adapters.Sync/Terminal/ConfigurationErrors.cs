using System.Text.RegularExpressions;

namespace Registry.Adapters.Sync;

/// <summary>
/// Makes the configuration binder's messages say what to write: an invalid enum value lists the valid ones
/// (<c>Mesh:DefaultMerge is 'Unoin', which is not one of Union, Priority, Failover.</c>).
/// </summary>
internal static partial class ConfigurationErrors
{
    /// <summary>Rewrites every "Failed to convert configuration value" of an enum in <paramref name="message"/>.</summary>
    public static string Describe(string message)
    {
        ArgumentNullException.ThrowIfNull(message);
        return FailedToConvert().Replace(message, static match =>
        {
            var type = FindType(match.Groups["type"].Value);
            if (type is not { IsEnum: true })
            {
                return match.Value;
            }

            var value = match.Groups["value"].Value;
            var names = Enum.GetNames(type);
            var near = Suggestions.Closest(value, names);
            return $"{match.Groups["path"].Value} is '{value}', which is not one of {string.Join(", ", names)}{(near is null ? "" : $" (did you mean '{near}'?)")}.";
        });
    }

    private static Type? FindType(string fullName)
    {
        foreach (var assembly in AppDomain.CurrentDomain.GetAssemblies())
        {
            if (assembly.GetType(fullName, throwOnError: false) is { } type)
            {
                return type;
            }
        }

        return null;
    }

    [GeneratedRegex(@"Failed to convert configuration value '(?<value>[^']*)' at '(?<path>[^']*)' to type '(?<type>[^']*)'\.", RegexOptions.CultureInvariant)]
    private static partial Regex FailedToConvert();
}
