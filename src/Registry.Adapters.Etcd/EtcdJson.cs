using System.Text.Json.Serialization;

namespace Registry.Adapters.Etcd;

/// <summary>The <see cref="EtcdKeyFormat.Mesh"/> value: one instance in the shape of a <c>list --output json</c> instance.</summary>
internal sealed class MeshInstanceJson
{
    public string? Service { get; set; }

    public string? Id { get; set; }

    public string? Host { get; set; }

    public List<MeshPortJson>? Ports { get; set; }

    public string? Health { get; set; }

    public string? Zone { get; set; }

    public List<string>? Tags { get; set; }

    public Dictionary<string, string>? Metadata { get; set; }
}

/// <summary>One port of a <see cref="MeshInstanceJson"/>.</summary>
internal sealed class MeshPortJson
{
    public string? Name { get; set; }

    public int Port { get; set; }

    public string? Protocol { get; set; }
}

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
[JsonSerializable(typeof(MeshInstanceJson))]
[JsonSerializable(typeof(KratosInstanceJson))]
internal sealed partial class EtcdJsonContext : JsonSerializerContext;
