using System.Text.Json.Serialization;

namespace Registry.Adapters.Etcd;

/// <summary>A go-kratos <c>registry.ServiceInstance</c>.</summary>
internal sealed class KratosInstanceJson
{
    public string? Id { get; set; }

    public string? Name { get; set; }

    public string? Version { get; set; }

    public Dictionary<string, string>? Metadata { get; set; }

    public List<string>? Endpoints { get; set; }
}

[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    PropertyNameCaseInsensitive = true,
    MaxDepth = 16)]
[JsonSerializable(typeof(KratosInstanceJson))]
internal sealed partial class EtcdJsonContext : JsonSerializerContext;
