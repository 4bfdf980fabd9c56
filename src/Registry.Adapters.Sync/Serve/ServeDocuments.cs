using System.Text.Json.Serialization;
using Registry.Adapters.Serialization;
using Registry.Adapters.Sync.Serialization;

namespace Registry.Adapters.Sync.Serve;

/// <summary>One registry as <c>/v1/registries</c> and the dashboard show it: the <c>list</c> document's item plus priority and times.</summary>
internal sealed record ServeRegistryDocument
{
    public string Name { get; init; } = "";

    public string Kind { get; init; } = "";

    public string State { get; init; } = "";

    public string? Error { get; init; }

    public int Priority { get; init; }

    public int Services { get; init; }

    public int Instances { get; init; }

    public int Skipped { get; init; }

    public bool HeldBack { get; init; }

    /// <summary>When the registry went stale or failed.</summary>
    public DateTimeOffset? Since { get; init; }

    /// <summary>When this server last saw the registry's status change (state, error or counts).</summary>
    public DateTimeOffset? LastChange { get; init; }
}

/// <summary>A naming conflict: two source names of one registry that map to one mesh name.</summary>
internal sealed class ServeConflictDocument
{
    public string Registry { get; set; } = "";

    public string MeshName { get; set; } = "";

    public List<string> SourceNames { get; set; } = [];
}

/// <summary><c>/v1/registries</c>, and the <c>registries</c> event of <c>/v1/watch</c> (then with a <c>type</c>).</summary>
internal sealed class ServeRegistriesDocument
{
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Type { get; set; }

    public long Revision { get; set; }

    public List<ServeRegistryDocument> Registries { get; set; } = [];

    public List<ServeConflictDocument> Conflicts { get; set; } = [];
}

/// <summary>The first event of <c>/v1/watch</c>: the <c>watch</c> snapshot line, with registries in the serve shape and conflicts.</summary>
internal sealed class ServeSnapshotEvent
{
    public string Type { get; set; } = "snapshot";

    public long Revision { get; set; }

    public List<CatalogServiceDocument> Services { get; set; } = [];

    public List<ServeRegistryDocument> Registries { get; set; } = [];

    public List<ServeConflictDocument> Conflicts { get; set; } = [];
}

/// <summary><c>/v1/services/{name}</c>: one <c>services[]</c> item at a revision.</summary>
internal sealed class ServeServiceDocument
{
    public long Revision { get; set; }

    public string? Name { get; set; }

    public List<InstanceDocument> Instances { get; set; } = [];
}

/// <summary><c>/readyz</c>.</summary>
internal sealed class ServeReadinessDocument
{
    public bool Ready { get; set; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Leadership { get; set; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public List<ServeReadinessShard>? Shards { get; set; }

    public List<ServeReadinessRegistry> Registries { get; set; } = [];
}

/// <summary>One shard's election in <c>/readyz</c> of <c>sync --leader-elect</c>: <c>leader</c> or <c>standby</c>.</summary>
internal sealed class ServeReadinessShard
{
    public int Shard { get; set; }

    public string Election { get; set; } = "";

    public string State { get; set; } = "";
}

/// <summary>One registry of <c>/readyz</c>.</summary>
internal sealed class ServeReadinessRegistry
{
    public string Name { get; set; } = "";

    public string State { get; set; } = "";
}

/// <summary>An error response.</summary>
internal sealed class ServeErrorDocument
{
    public string Error { get; set; } = "";
}

/// <summary>Source-generated JSON for the serve documents (camelCase, compact).</summary>
[JsonSourceGenerationOptions(System.Text.Json.JsonSerializerDefaults.Web, PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(ServeRegistriesDocument))]
[JsonSerializable(typeof(ServeSnapshotEvent))]
[JsonSerializable(typeof(ServeServiceDocument))]
[JsonSerializable(typeof(ServeReadinessDocument))]
[JsonSerializable(typeof(ServeErrorDocument))]
internal sealed partial class ServeJsonContext : JsonSerializerContext;
