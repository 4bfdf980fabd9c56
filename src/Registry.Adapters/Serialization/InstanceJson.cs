using System.Diagnostics.CodeAnalysis;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Registry.Adapters.Serialization;

/// <summary>
/// The one JSON codec of an instance (<see cref="InstanceDocument"/>): what <c>mesh-sync list --output json</c> writes
/// in <c>instances[]</c>, what the File registry reads and writes, and etcd's <c>mesh</c> value. Reading is lenient
/// where people write by hand (any case in names, comments, trailing commas) and strict where it matters (a port is a
/// number, a health is one of five names); a value that is not a valid instance is an error, never an exception.
/// </summary>
public static class InstanceJson
{
    private static readonly HealthStatus[] Healths = [HealthStatus.Healthy, HealthStatus.Unhealthy, HealthStatus.Starting, HealthStatus.Draining, HealthStatus.Unknown];

    /// <summary>The lower-case name of a health status (<c>healthy</c>, <c>unhealthy</c>, <c>starting</c>, <c>draining</c>, <c>unknown</c>).</summary>
    /// <param name="health">The health.</param>
    /// <returns>The name.</returns>
    public static string HealthName(HealthStatus health) => health switch
    {
        HealthStatus.Healthy => "healthy",
        HealthStatus.Unhealthy => "unhealthy",
        HealthStatus.Starting => "starting",
        HealthStatus.Draining => "draining",
        _ => "unknown",
    };

    /// <summary>Reads a health name in any case; <see langword="null"/> or empty is <see cref="HealthStatus.Healthy"/>. Numbers are not accepted.</summary>
    /// <param name="text">The name.</param>
    /// <param name="health">The health.</param>
    /// <returns>Whether the name is one of the five.</returns>
    public static bool TryParseHealth(string? text, out HealthStatus health)
    {
        health = HealthStatus.Healthy;
        if (string.IsNullOrEmpty(text))
        {
            return true;
        }

        foreach (var candidate in Healths)
        {
            if (string.Equals(text, HealthName(candidate), StringComparison.OrdinalIgnoreCase))
            {
                health = candidate;
                return true;
            }
        }

        return false;
    }

    /// <summary>Writes one instance as UTF-8 JSON, without <c>registry</c> and <c>stale</c> (etcd's <c>mesh</c> value).</summary>
    /// <param name="instance">The instance.</param>
    /// <returns>The JSON.</returns>
    public static byte[] SerializeToUtf8Bytes(ServiceInstance instance) =>
        JsonSerializer.SerializeToUtf8Bytes(InstanceDocument.From(instance), InstanceJsonContext.Relaxed.InstanceDocument);

    /// <summary>Reads one instance from UTF-8 JSON.</summary>
    /// <param name="utf8">The JSON.</param>
    /// <param name="service">The enclosing service name, used when the JSON has none.</param>
    /// <param name="id">The enclosing id, used when the JSON has none.</param>
    /// <param name="instance">The instance, when valid.</param>
    /// <param name="error">Why the JSON is not a valid instance, printable.</param>
    /// <returns><see langword="true"/> when the JSON is a valid instance.</returns>
    public static bool TryDeserialize(ReadOnlySpan<byte> utf8, string? service, string? id, [NotNullWhen(true)] out ServiceInstance? instance, [NotNullWhen(false)] out string? error)
    {
        instance = null;
        return TryDeserializeDocument(utf8, out var document, out error) && document.TryToInstance(service, id, out instance, out error);
    }

    /// <summary>Reads one instance document from UTF-8 JSON without checking it, for a reader that decides some fields itself (etcd's key names the service and id).</summary>
    /// <param name="utf8">The JSON.</param>
    /// <param name="document">The document, when the JSON is an object of the right shape.</param>
    /// <param name="error">Why the JSON is not an instance document, printable.</param>
    /// <returns><see langword="true"/> when the JSON is an instance document; <see cref="InstanceDocument.TryToInstance"/> then checks it.</returns>
    public static bool TryDeserializeDocument(ReadOnlySpan<byte> utf8, [NotNullWhen(true)] out InstanceDocument? document, [NotNullWhen(false)] out string? error)
    {
        try
        {
            document = JsonSerializer.Deserialize(utf8, InstanceJsonContext.Default.InstanceDocument);
        }
        catch (JsonException ex)
        {
            document = null;
            error = NotJson(ex);
            return false;
        }

        error = document is null ? "the instance is JSON null" : null;
        return document is not null;
    }

    /// <summary>Reads one instance from a JSON element (an item of a catalog's <c>instances</c> array).</summary>
    /// <param name="element">The element.</param>
    /// <param name="service">The enclosing service name, used when the element has none.</param>
    /// <param name="id">The enclosing id, used when the element has none.</param>
    /// <param name="instance">The instance, when valid.</param>
    /// <param name="error">Why the element is not a valid instance, printable.</param>
    /// <returns><see langword="true"/> when the element is a valid instance.</returns>
    public static bool TryDeserialize(JsonElement element, string? service, string? id, [NotNullWhen(true)] out ServiceInstance? instance, [NotNullWhen(false)] out string? error)
    {
        InstanceDocument? document;
        try
        {
            document = element.Deserialize(InstanceJsonContext.Default.InstanceDocument);
        }
        catch (JsonException ex)
        {
            instance = null;
            error = NotJson(ex);
            return false;
        }

        return TryConvert(document, service, id, out instance, out error);
    }

    private static bool TryConvert(InstanceDocument? document, string? service, string? id, [NotNullWhen(true)] out ServiceInstance? instance, [NotNullWhen(false)] out string? error)
    {
        if (document is null)
        {
            instance = null;
            error = "the instance is JSON null";
            return false;
        }

        return document.TryToInstance(service, id, out instance, out error);
    }

    private static string NotJson(JsonException exception) =>
        $"the instance is not valid JSON ({ServiceInstanceValidator.Printable(exception.Message.Split(" Path:")[0].TrimEnd('.'), 120)})";
}

/// <summary>Source-generated metadata of <see cref="InstanceDocument"/>.</summary>
[JsonSourceGenerationOptions(
    PropertyNameCaseInsensitive = true,
    ReadCommentHandling = JsonCommentHandling.Skip,
    AllowTrailingCommas = true,
    NumberHandling = JsonNumberHandling.Strict,
    MaxDepth = 16)]
[JsonSerializable(typeof(InstanceDocument))]
internal sealed partial class InstanceJsonContext : JsonSerializerContext
{
    private static InstanceJsonContext? _relaxed;

    /// <summary>For writing: text as it is (<c>café</c>, <c>&lt;ops&gt;</c>), not HTML-escaped, as <c>list --output json</c> writes it.</summary>
    public static InstanceJsonContext Relaxed => _relaxed ??= new InstanceJsonContext(
        new JsonSerializerOptions(Default.Options) { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
}
