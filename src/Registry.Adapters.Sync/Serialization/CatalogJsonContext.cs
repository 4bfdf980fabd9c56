using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Registry.Adapters.Sync.Serialization;

/// <summary>Source-generated System.Text.Json metadata for the console's documents (camelCase).</summary>
[JsonSourceGenerationOptions(
    JsonSerializerDefaults.Web,
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    NumberHandling = JsonNumberHandling.Strict,
    DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
[JsonSerializable(typeof(CatalogDocument))]
[JsonSerializable(typeof(WatchSnapshotLine))]
[JsonSerializable(typeof(WatchChangeLine))]
internal sealed partial class CatalogJsonContext : JsonSerializerContext
{
    private static CatalogJsonContext? _indented;
    private static CatalogJsonContext? _compact;

    /// <summary>The context for indented output (<c>list --output json</c>); text is written as it is (<c>café</c>, <c>&lt;ops&gt;</c>, <c>it's</c>), not HTML-escaped.</summary>
    public static CatalogJsonContext Indented => _indented ??= new CatalogJsonContext(
        new JsonSerializerOptions(Default.Options) { WriteIndented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping });

    /// <summary>The context for one-line output (<c>watch --output json</c>), not HTML-escaped either.</summary>
    public static CatalogJsonContext Compact => _compact ??= new CatalogJsonContext(
        new JsonSerializerOptions(Default.Options) { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
}
