using System.Collections;
using System.ComponentModel;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Reflection;
using Microsoft.Extensions.Configuration;

namespace Registry.Adapters.Backends;

/// <summary>
/// Binds a configuration section onto an options object key by key, so that every bad value is reported (not only
/// the first, as <see cref="ConfigurationBinder"/> does) and, where asked, every key the options do not have is
/// reported with the nearest known key. Messages name the setting by its configuration path.
/// </summary>
public static class SettingsBinder
{
    /// <summary>The keys of a <c>Mesh:Registries:N</c> element that belong to the mesh (<see cref="MeshRegistryOptions"/>), not to the kind.</summary>
    public static IReadOnlyList<string> MeshRegistryKeys { get; } =
        [.. typeof(MeshRegistryOptions).GetProperties(BindingFlags.Public | BindingFlags.Instance).Select(static p => p.Name)];

    /// <summary>
    /// Binds <paramref name="section"/> onto <paramref name="options"/>.
    /// </summary>
    /// <param name="section">The section (a <c>Mesh:Registries:N</c> element, or the <c>Mesh</c> section).</param>
    /// <param name="options">The options to fill.</param>
    /// <param name="errors">Receives one message per value that cannot be read and per unknown key.</param>
    /// <param name="ignoredKeys">Keys that belong to someone else (<c>Name</c>, <c>Kind</c>) and are neither bound nor reported.</param>
    /// <param name="reportUnknownKeys">Whether a key the options do not have is an error.</param>
    [RequiresUnreferencedCode("Binds by reflection over the options' public properties.")]
    public static void Bind(
        IConfigurationSection section,
        object options,
        ICollection<string> errors,
        IReadOnlyCollection<string>? ignoredKeys = null,
        bool reportUnknownKeys = true)
    {
        ArgumentNullException.ThrowIfNull(section);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(errors);
        BindObject(section, options, errors, ignoredKeys ?? [], reportUnknownKeys);
    }

    /// <summary>The known key nearest to <paramref name="key"/> (edit distance, case-insensitive), or <see langword="null"/> when none is close.</summary>
    /// <param name="key">The unknown key.</param>
    /// <param name="known">The known keys.</param>
    /// <returns>The nearest key.</returns>
    public static string? Nearest(string key, IEnumerable<string> known)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(known);
        string? best = null;
        var bestDistance = int.MaxValue;
        foreach (var candidate in known)
        {
            var distance = Distance(key.ToUpperInvariant(), candidate.ToUpperInvariant());
            if (distance < bestDistance)
            {
                best = candidate;
                bestDistance = distance;
            }
        }

        return best is not null && bestDistance <= Math.Max(2, best.Length / 3) ? best : null;
    }

    [RequiresUnreferencedCode("Binds by reflection over the options' public properties.")]
    private static void BindObject(IConfigurationSection section, object target, ICollection<string> errors, IReadOnlyCollection<string> ignored, bool reportUnknown)
    {
        var properties = BindableProperties(target.GetType());
        foreach (var child in section.GetChildren())
        {
            if (ignored.Contains(child.Key, StringComparer.OrdinalIgnoreCase))
            {
                continue;
            }

            var property = properties.FirstOrDefault(p => string.Equals(p.Name, child.Key, StringComparison.OrdinalIgnoreCase));
            if (property is null)
            {
                if (reportUnknown)
                {
                    var nearest = Nearest(child.Key, properties.Select(static p => p.Name));
                    errors.Add(nearest is null
                        ? $"{child.Path} is not a setting of this registry kind; remove it (known settings: {string.Join(", ", properties.Select(static p => p.Name))})."
                        : $"{child.Path} is not a setting of this registry kind; did you mean {nearest}?");
                }

                continue;
            }

            BindProperty(child, target, property, errors, reportUnknown);
        }
    }

    [RequiresUnreferencedCode("Binds by reflection over the options' public properties.")]
    private static void BindProperty(IConfigurationSection child, object target, PropertyInfo property, ICollection<string> errors, bool reportUnknown)
    {
        var type = property.PropertyType;
        try
        {
            if (IsScalar(type))
            {
                if (child.Value is null && child.GetChildren().Any())
                {
                    errors.Add($"{child.Path} has nested keys, but it is a single {Describe(type)} value; set it directly.");
                    return;
                }

                if (property.CanWrite)
                {
                    property.SetValue(target, child.Get(type));
                }

                return;
            }

            var current = property.GetValue(target);
            if (current is not null && !IsCollection(type))
            {
                BindObject(child, current, errors, [], reportUnknown);
                return;
            }

            if (current is not null)
            {
                child.Bind(current);
            }
            else if (property.CanWrite)
            {
                property.SetValue(target, child.Get(type));
            }
        }
        catch (InvalidOperationException)
        {
            errors.Add(child.Value is { } value
                ? $"{child.Path} is '{ServiceInstanceValidator.Printable(value, 80)}', which is not {Article(type)}; {Example(type)}"
                : $"{child.Path} cannot be read as {Article(type)}; {Example(type)}");
        }
        catch (TargetInvocationException ex) when (ex.InnerException is ArgumentException or FormatException or InvalidOperationException)
        {
            errors.Add($"{child.Path} is not accepted: {ex.InnerException.Message}");
        }
    }

    private static PropertyInfo[] BindableProperties([DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicProperties)] Type type) =>
        [.. type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(static p => p.GetIndexParameters().Length == 0 && p.CanRead && !typeof(Delegate).IsAssignableFrom(p.PropertyType)
                && (p.CanWrite || !IsScalar(p.PropertyType)))];

    private static bool IsScalar(Type type)
    {
        var t = Nullable.GetUnderlyingType(type) ?? type;
        return t.IsPrimitive || t.IsEnum || t == typeof(string) || t == typeof(decimal) || t == typeof(TimeSpan) || t == typeof(Uri)
            || t == typeof(DateTimeOffset) || t == typeof(DateTime) || t == typeof(Guid)
            || (TypeDescriptor.GetConverter(t) is { } converter && converter.CanConvertFrom(typeof(string)) && !typeof(IEnumerable).IsAssignableFrom(t));
    }

    private static bool IsCollection(Type type) => type != typeof(string) && typeof(IEnumerable).IsAssignableFrom(type);

    private static string Describe(Type type)
    {
        var t = Nullable.GetUnderlyingType(type) ?? type;
        return t switch
        {
            _ when t == typeof(TimeSpan) => "time span",
            _ when t == typeof(bool) => "boolean",
            _ when t == typeof(int) || t == typeof(long) || t == typeof(short) || t == typeof(uint) || t == typeof(ulong) => "whole number",
            _ when t == typeof(double) || t == typeof(float) || t == typeof(decimal) => "number",
            _ when t == typeof(Uri) => "URI",
            _ when t.IsEnum => $"{t.Name} value",
            _ => t.Name,
        };
    }

    private static string Article(Type type)
    {
        var text = Describe(type);
        return ("aeiouAEIOU".Contains(text[0], StringComparison.Ordinal) && !text.StartsWith("URI", StringComparison.Ordinal) ? "an " : "a ") + text;
    }

    private static string Example(Type type)
    {
        var t = Nullable.GetUnderlyingType(type) ?? type;
        return t switch
        {
            _ when t == typeof(TimeSpan) => "write a time span as [d.]hh:mm:ss[.fff], e.g. 00:00:30 for 30 seconds.",
            _ when t == typeof(bool) => "write true or false.",
            _ when t.IsEnum => $"use one of {string.Join(", ", Enum.GetNames(t))}.",
            _ when t == typeof(Uri) => "write an absolute URI such as http://127.0.0.1:8500.",
            _ when t == typeof(int) || t == typeof(long) => string.Create(CultureInfo.InvariantCulture, $"write a whole number such as {10}."),
            _ when t == typeof(double) => "write a number such as 0.5 (a dot as the decimal separator).",
            _ => "fix the value.",
        };
    }

    private static int Distance(string a, string b)
    {
        var previous = new int[b.Length + 1];
        var current = new int[b.Length + 1];
        for (var j = 0; j <= b.Length; j++)
        {
            previous[j] = j;
        }

        for (var i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                var cost = a[i - 1] == b[j - 1] ? 0 : 1;
                current[j] = Math.Min(Math.Min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + cost);
            }

            (previous, current) = (current, previous);
        }

        return previous[b.Length];
    }
}
