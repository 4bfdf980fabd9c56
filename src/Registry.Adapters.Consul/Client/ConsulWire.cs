using System.Text.Json;
using System.Text.Json.Serialization;

namespace Registry.Adapters.Consul.Client;

// Shapes of Consul's HTTP API (hashicorp/consul api/health.go, api/agent.go). Only the fields the
// adapter uses; unknown fields are ignored. Arrays and maps may be null on older agents.
#pragma warning disable CA1812 // Instantiated by System.Text.Json.

/// <summary>One element of <c>GET /v1/health/service/:name</c>.</summary>
internal sealed class ConsulServiceEntry
{
    public ConsulNode? Node { get; set; }

    public ConsulAgentService? Service { get; set; }

    public List<ConsulHealthCheck>? Checks { get; set; }
}

/// <summary>The node of a health entry.</summary>
internal sealed class ConsulNode
{
    public string? ID { get; set; }

    public string? Node { get; set; }

    public string? Address { get; set; }

    public string? Datacenter { get; set; }

    public Dictionary<string, string>? TaggedAddresses { get; set; }

    public Dictionary<string, string>? Meta { get; set; }
}

/// <summary>The service of a health entry; its name field is <c>Service</c>.</summary>
internal sealed class ConsulAgentService
{
    public string? ID { get; set; }

    public string? Service { get; set; }

    public List<string>? Tags { get; set; }

    public string? Address { get; set; }

    public Dictionary<string, ConsulServiceAddress>? TaggedAddresses { get; set; }

    public Dictionary<string, string>? Meta { get; set; }

    public long Port { get; set; }

    public ConsulWeights? Weights { get; set; }

    public string? Kind { get; set; }

    public string? Namespace { get; set; }

    public string? Partition { get; set; }

    public string? Datacenter { get; set; }
}

/// <summary>A service tagged address (<c>{"Address":…, "Port":…}</c>; lower-case in some doc samples).</summary>
internal sealed class ConsulServiceAddress
{
    public string? Address { get; set; }

    public long Port { get; set; }
}

/// <summary>Service weights.</summary>
internal sealed class ConsulWeights
{
    public int Passing { get; set; }

    public int Warning { get; set; }
}

/// <summary>A check of a health entry (service or node check).</summary>
internal sealed class ConsulHealthCheck
{
    public string? Node { get; set; }

    public string? CheckID { get; set; }

    public string? Name { get; set; }

    public string? Status { get; set; }

    public string? Output { get; set; }

    public string? ServiceID { get; set; }

    public string? ServiceName { get; set; }
}

/// <summary>The body of <c>PUT /v1/agent/service/register</c>.</summary>
internal sealed class ConsulRegisterRequest
{
    public string? ID { get; set; }

    public string? Name { get; set; }

    public List<string>? Tags { get; set; }

    public string? Address { get; set; }

    public int? Port { get; set; }

    public Dictionary<string, string>? Meta { get; set; }

    public string? Namespace { get; set; }

    public string? Partition { get; set; }

    public ConsulServiceCheck? Check { get; set; }
}

/// <summary>The check of a registration.</summary>
internal sealed class ConsulServiceCheck
{
    public string? CheckID { get; set; }

    public string? Name { get; set; }

    public string? TTL { get; set; }

    public string? HTTP { get; set; }

    public string? Interval { get; set; }

    public string? Timeout { get; set; }

    public string? Status { get; set; }

    public string? Notes { get; set; }

    public string? DeregisterCriticalServiceAfter { get; set; }
}

/// <summary>The body of <c>PUT /v1/agent/check/update/:id</c>.</summary>
internal sealed class ConsulCheckUpdate
{
    public string? Status { get; set; }

    public string? Output { get; set; }
}
#pragma warning restore CA1812

/// <summary>Source-generated serialisation; reads case-insensitively (doc samples and agents disagree on casing).</summary>
[JsonSourceGenerationOptions(
    PropertyNameCaseInsensitive = true,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    NumberHandling = JsonNumberHandling.Strict)]
[JsonSerializable(typeof(ConsulServiceEntry))]
[JsonSerializable(typeof(List<JsonElement>))]
[JsonSerializable(typeof(JsonElement))]
[JsonSerializable(typeof(ConsulRegisterRequest))]
[JsonSerializable(typeof(ConsulCheckUpdate))]
[JsonSerializable(typeof(List<ConsulServiceEntry>))]
[JsonSerializable(typeof(Dictionary<string, List<string>?>))]
internal sealed partial class ConsulJsonContext : JsonSerializerContext;
