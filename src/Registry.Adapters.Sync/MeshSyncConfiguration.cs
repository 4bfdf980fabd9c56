using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.Configuration;

namespace Registry.Adapters.Sync;

/// <summary>
/// Builds the <c>Mesh</c> configuration section from <c>--config</c> (a root object with a <c>Mesh</c> key,
/// or the section itself) and the shortcut options, which append <c>Mesh:Registries</c> elements after the
/// configured ones, in command-line order.
/// </summary>
internal static class MeshSyncConfiguration
{
    public const string SectionName = "Mesh";

    /// <summary>Builds the section.</summary>
    /// <param name="configPath">The <c>--config</c> file, if any.</param>
    /// <param name="shortcuts">The shortcut registries.</param>
    /// <returns>The section, and how many registries it has.</returns>
    /// <exception cref="CliUsageException">The file is missing or not valid JSON.</exception>
    public static (IConfigurationSection Section, int RegistryCount) Build(
        string? configPath,
        IReadOnlyList<(string Kind, IReadOnlyDictionary<string, string?> Keys)> shortcuts)
    {
        var data = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        if (configPath is not null)
        {
            Flatten(ReadConfig(configPath), SectionName, data);
        }

        var configured = new ConfigurationBuilder().AddInMemoryCollection(data).Build()
            .GetSection(SectionName).GetSection("Registries").GetChildren().ToList();
        var next = configured.Count == 0
            ? 0
            : configured.Max(static c => int.TryParse(c.Key, NumberStyles.None, CultureInfo.InvariantCulture, out var i) ? i : -1) + 1;
        next = Math.Max(next, configured.Count);
        foreach (var (kind, keys) in shortcuts)
        {
            var prefix = string.Create(CultureInfo.InvariantCulture, $"{SectionName}:Registries:{next++}");
            data[$"{prefix}:Kind"] = kind;
            foreach (var (key, value) in keys)
            {
                data[$"{prefix}:{key}"] = value;
            }
        }

        var section = new ConfigurationBuilder().AddInMemoryCollection(data).Build().GetSection(SectionName);
        return (section, configured.Count + shortcuts.Count);
    }

    private static JsonElement ReadConfig(string path)
    {
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(Path.GetFullPath(path));
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new CliUsageException($"--config: the file '{path}' does not exist.", ex);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            throw new CliUsageException($"--config: the file '{path}' cannot be read: {ex.Message}", ex);
        }

        try
        {
            using var document = JsonDocument.Parse(bytes, new JsonDocumentOptions { AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip });
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                throw new CliUsageException($"--config: '{path}' must hold a JSON object (the Mesh section, or an object with a \"Mesh\" key).");
            }

            foreach (var property in document.RootElement.EnumerateObject())
            {
                if (string.Equals(property.Name, SectionName, StringComparison.OrdinalIgnoreCase) && property.Value.ValueKind == JsonValueKind.Object)
                {
                    return property.Value.Clone();
                }
            }

            return document.RootElement.Clone();
        }
        catch (JsonException ex)
        {
            throw new CliUsageException($"--config: {Serialization.JsonErrors.Describe($"'{path}'", ex)}", ex);
        }
    }

    private static void Flatten(JsonElement element, string prefix, Dictionary<string, string?> data)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                foreach (var property in element.EnumerateObject())
                {
                    Flatten(property.Value, $"{prefix}:{property.Name}", data);
                }

                break;
            case JsonValueKind.Array:
                var index = 0;
                foreach (var item in element.EnumerateArray())
                {
                    Flatten(item, string.Create(CultureInfo.InvariantCulture, $"{prefix}:{index++}"), data);
                }

                break;
            case JsonValueKind.String:
                data[prefix] = element.GetString();
                break;
            case JsonValueKind.Null:
                data[prefix] = null;
                break;
            default:
                data[prefix] = element.GetRawText();
                break;
        }
    }
}
