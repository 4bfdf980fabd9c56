using System.Text.Json;
using System.Text.Json.Serialization;

namespace Registry.Adapters.Serialization;

/// <summary>Source-generated System.Text.Json metadata for the catalog document (camelCase; read case-insensitively).</summary>
[JsonSourceGenerationOptions(
    JsonSerializerDefaults.Web,
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    PropertyNameCaseInsensitive = true,
    ReadCommentHandling = JsonCommentHandling.Skip,
    AllowTrailingCommas = true,
    NumberHandling = JsonNumberHandling.Strict,
    DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
[JsonSerializable(typeof(CatalogDocument))]
[JsonSerializable(typeof(CatalogInstanceDocument))]
internal sealed partial class CatalogJsonContext : JsonSerializerContext;
