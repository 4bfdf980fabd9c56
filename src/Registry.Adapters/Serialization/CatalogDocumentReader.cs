using System.Globalization;
using System.Text.Json;

namespace Registry.Adapters.Serialization;

/// <summary>The result of reading a catalog document: its services, or why the whole document could not be read.</summary>
internal sealed record CatalogReadResult(
    IReadOnlyDictionary<string, IReadOnlyList<ServiceInstance>> Services,
    IReadOnlyList<SkippedRecord> Skipped,
    string? Error)
{
    public static CatalogReadResult Failed(string error) =>
        new(new Dictionary<string, IReadOnlyList<ServiceInstance>>(StringComparer.Ordinal), [], error);
}

/// <summary>
/// Reads the catalog document (the shape of <c>mesh-sync list --output json</c>). A document that is not
/// JSON fails as a whole; an invalid <c>services[]</c> or <c>instances[]</c> item is skipped and reported,
/// and its neighbours are kept. <c>revision</c>, <c>registries</c>, <c>registry</c> and <c>stale</c> are ignored.
/// </summary>
internal static class CatalogDocumentReader
{
    private static readonly JsonDocumentOptions DocumentOptions = new()
    {
        AllowTrailingCommas = true,
        CommentHandling = JsonCommentHandling.Skip,
        MaxDepth = 32,
    };

    /// <summary>Reads a document.</summary>
    /// <param name="utf8">The document.</param>
    /// <param name="source">Where it came from (a file path), for error messages.</param>
    /// <returns>The services (grouped by the enclosing <c>name</c>, instances sorted by id), skipped records, or the error.</returns>
    public static CatalogReadResult Read(ReadOnlyMemory<byte> utf8, string source)
    {
        if (utf8.Span.StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF]))
        {
            // A UTF-8 byte-order mark, as Windows editors write it.
            utf8 = utf8[3..];
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(utf8, DocumentOptions);
        }
        catch (JsonException ex)
        {
            return CatalogReadResult.Failed(DescribeJsonError(source, ex));
        }

        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                return CatalogReadResult.Failed($"{source} is not a catalog: the root must be an object with a \"services\" array.");
            }

            if (!TryGetProperty(document.RootElement, "services", out var services))
            {
                return new CatalogReadResult(new Dictionary<string, IReadOnlyList<ServiceInstance>>(StringComparer.Ordinal), [], null);
            }

            if (services.ValueKind != JsonValueKind.Array)
            {
                return CatalogReadResult.Failed($"{source} is not a catalog: \"services\" must be an array.");
            }

            return ReadServices(services);
        }
    }

    /// <summary>Formats a JSON error with the source, line and position (1-based).</summary>
    /// <param name="source">The file path.</param>
    /// <param name="exception">The parse error.</param>
    /// <returns>The message.</returns>
    public static string DescribeJsonError(string source, JsonException exception)
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

    private static CatalogReadResult ReadServices(JsonElement services)
    {
        var result = new Dictionary<string, IReadOnlyList<ServiceInstance>>(StringComparer.Ordinal);
        var skipped = new List<SkippedRecord>();
        var index = -1;
        foreach (var service in services.EnumerateArray())
        {
            index++;
            var where = string.Create(CultureInfo.InvariantCulture, $"services[{index}]");
            if (service.ValueKind != JsonValueKind.Object
                || !TryGetProperty(service, "name", out var nameElement)
                || nameElement.ValueKind != JsonValueKind.String)
            {
                skipped.Add(new SkippedRecord(where, "the service has no \"name\" string"));
                continue;
            }

            var name = nameElement.GetString()!;
            if (ServiceInstanceValidator.ValidateServiceName(name) is { } nameError)
            {
                skipped.Add(new SkippedRecord(where, nameError));
                continue;
            }

            if (result.ContainsKey(name))
            {
                skipped.Add(new SkippedRecord($"{where} ({ServiceInstanceValidator.Printable(name)})", "the service is listed twice; the first entry is kept"));
                continue;
            }

            var instances = ReadInstances(service, name, where, skipped);
            if (instances.Count > 0)
            {
                result[name] = instances;
            }
        }

        return new CatalogReadResult(result, skipped, null);
    }

    private static List<ServiceInstance> ReadInstances(JsonElement service, string name, string where, List<SkippedRecord> skipped)
    {
        var instances = new SortedDictionary<string, ServiceInstance>(StringComparer.Ordinal);
        if (!TryGetProperty(service, "instances", out var array) || array.ValueKind == JsonValueKind.Null)
        {
            return [];
        }

        if (array.ValueKind != JsonValueKind.Array)
        {
            skipped.Add(new SkippedRecord($"{where} ({ServiceInstanceValidator.Printable(name)})", "\"instances\" is not an array"));
            return [];
        }

        var index = -1;
        foreach (var element in array.EnumerateArray())
        {
            index++;
            var at = string.Create(CultureInfo.InvariantCulture, $"{where}.instances[{index}]");
            if (!InstanceJson.TryDeserialize(element, name, null, out var instance, out var error))
            {
                skipped.Add(new SkippedRecord(at, error));
                continue;
            }

            if (!instances.TryAdd(instance.Id, instance))
            {
                skipped.Add(new SkippedRecord($"{at} ({ServiceInstanceValidator.Printable(instance.Id)})", "the instance id is used twice in the service; the first is kept"));
            }
        }

        return [.. instances.Values];
    }

    private static bool TryGetProperty(JsonElement element, string name, out JsonElement value)
    {
        foreach (var property in element.EnumerateObject())
        {
            if (string.Equals(property.Name, name, StringComparison.OrdinalIgnoreCase))
            {
                value = property.Value;
                return true;
            }
        }

        value = default;
        return false;
    }
}
