using System.Text.Json.Serialization;

namespace Registry.Adapters.Consul.Client;

// Shapes of the catalog write path: PUT /v1/txn (hashicorp/consul api/txn.go, agent/txn_endpoint.go) and the node
// reads GET /v1/catalog/node/:node and GET /v1/health/node/:node.
#pragma warning disable CA1812 // Instantiated by System.Text.Json.

/// <summary>One operation of a <c>PUT /v1/txn</c> body: exactly one of the members is set.</summary>
internal sealed class ConsulTxnOp
{
    public ConsulTxnNodeOp? Node { get; set; }

    public ConsulTxnServiceOp? Service { get; set; }

    public ConsulTxnCheckOp? Check { get; set; }

    public ConsulTxnKvOp? KV { get; set; }
}

/// <summary>A KV operation (the fence uses <c>check-session</c>: the key must be held by <see cref="Session"/>).</summary>
internal sealed class ConsulTxnKvOp
{
    public required string Verb { get; set; }

    public required string Key { get; set; }

    public string? Session { get; set; }
}

/// <summary>A node operation (<c>set</c>, <c>cas</c>, <c>get</c>, <c>delete</c>, <c>delete-cas</c>).</summary>
internal sealed class ConsulTxnNodeOp
{
    public required string Verb { get; set; }

    public required ConsulTxnNode Node { get; set; }
}

/// <summary>The node of a node operation.</summary>
internal sealed class ConsulTxnNode
{
    public required string Node { get; set; }

    public string? Address { get; set; }

    public string? Datacenter { get; set; }

    public Dictionary<string, string>? Meta { get; set; }

    public string? Partition { get; set; }
}

/// <summary>A service operation on a node.</summary>
internal sealed class ConsulTxnServiceOp
{
    public required string Verb { get; set; }

    public required string Node { get; set; }

    public required ConsulTxnService Service { get; set; }
}

/// <summary>The service of a service operation; <see cref="ModifyIndex"/> is the CAS index (0: create only if absent).</summary>
internal sealed class ConsulTxnService
{
    public required string ID { get; set; }

    public string? Service { get; set; }

    public List<string>? Tags { get; set; }

    public string? Address { get; set; }

    public Dictionary<string, string>? Meta { get; set; }

    public int Port { get; set; }

    public ConsulWeights? Weights { get; set; }

    public string? Namespace { get; set; }

    public string? Partition { get; set; }

    [JsonIgnore(Condition = JsonIgnoreCondition.Never)]
    public ulong ModifyIndex { get; set; }
}

/// <summary>A check operation.</summary>
internal sealed class ConsulTxnCheckOp
{
    public required string Verb { get; set; }

    public required ConsulTxnCheck Check { get; set; }
}

/// <summary>The check of a check operation.</summary>
internal sealed class ConsulTxnCheck
{
    public required string Node { get; set; }

    public required string CheckID { get; set; }

    public string? Name { get; set; }

    public string? Status { get; set; }

    public string? Notes { get; set; }

    public string? Output { get; set; }

    public string? ServiceID { get; set; }

    public string? Namespace { get; set; }

    public string? Partition { get; set; }
}

/// <summary>The answer of <c>PUT /v1/txn</c>: results when applied (200), errors when rolled back (409).</summary>
internal sealed class ConsulTxnResponse
{
    public List<ConsulTxnResult>? Results { get; set; }

    public List<ConsulTxnError>? Errors { get; set; }
}

/// <summary>One result; delete operations have none.</summary>
internal sealed class ConsulTxnResult
{
    public ConsulCatalogService? Service { get; set; }

    public ConsulHealthCheck? Check { get; set; }
}

/// <summary>Why a transaction was rolled back: the failed operation's index and message.</summary>
internal sealed class ConsulTxnError
{
    public int OpIndex { get; set; }

    public string? What { get; set; }
}

/// <summary><c>GET /v1/catalog/node/:node</c>: the node and its services by id (<c>null</c> for an unknown node).</summary>
internal sealed class ConsulCatalogNode
{
    public ConsulNode? Node { get; set; }

    public Dictionary<string, ConsulCatalogService?>? Services { get; set; }
}

/// <summary>A service as the catalog stores it on a node (the agent-service shape with its raft indexes).</summary>
internal sealed class ConsulCatalogService
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

    public ulong ModifyIndex { get; set; }

    /// <summary>The same service in the health entry shape the mapper reads.</summary>
    public ConsulAgentService ToAgentService() => new()
    {
        ID = ID,
        Service = Service,
        Tags = Tags,
        Address = Address,
        TaggedAddresses = TaggedAddresses,
        Meta = Meta,
        Port = Port,
        Weights = Weights,
        Kind = Kind,
        Namespace = Namespace,
        Partition = Partition,
    };
}
#pragma warning restore CA1812

/// <summary>Source-generated serialisation of the write path.</summary>
[JsonSourceGenerationOptions(
    PropertyNameCaseInsensitive = true,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    NumberHandling = JsonNumberHandling.Strict)]
[JsonSerializable(typeof(List<ConsulTxnOp>))]
[JsonSerializable(typeof(ConsulTxnResponse))]
[JsonSerializable(typeof(ConsulCatalogNode))]
[JsonSerializable(typeof(List<ConsulHealthCheck>))]
internal sealed partial class ConsulTxnJsonContext : JsonSerializerContext;
