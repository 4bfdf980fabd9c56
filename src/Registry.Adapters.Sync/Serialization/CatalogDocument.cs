namespace Registry.Adapters.Sync.Serialization;

/// <summary>The catalog document: the output of <c>mesh-sync list --output json</c>, in the shape the File registry reads back.</summary>
internal sealed class CatalogDocument
{
    public long Revision { get; set; }

    public List<CatalogServiceDocument> Services { get; set; } = [];

    public List<CatalogRegistryDocument> Registries { get; set; } = [];
}

/// <summary>One <c>services[]</c> item.</summary>
internal sealed class CatalogServiceDocument
{
    public string? Name { get; set; }

    public List<CatalogInstanceDocument> Instances { get; set; } = [];
}

/// <summary>One <c>instances[]</c> item. The File registry ignores <c>registry</c> and <c>stale</c> when it reads the document.</summary>
internal sealed class CatalogInstanceDocument
{
    public string? Registry { get; set; }

    public string? Service { get; set; }

    public string? Id { get; set; }

    public string? Host { get; set; }

    public List<CatalogPortDocument>? Ports { get; set; }

    public string? Health { get; set; }

    public string? Zone { get; set; }

    public List<string>? Tags { get; set; }

    public Dictionary<string, string?>? Metadata { get; set; }

    public bool Stale { get; set; }
}

/// <summary>One <c>ports[]</c> item.</summary>
internal sealed class CatalogPortDocument
{
    public string? Name { get; set; }

    public long Port { get; set; }

    public string? Protocol { get; set; }
}

/// <summary>One <c>registries[]</c> item.</summary>
internal sealed class CatalogRegistryDocument
{
    public string Name { get; set; } = "";

    public string Kind { get; set; } = "";

    public string State { get; set; } = "";

    public string? Error { get; set; }

    public int Services { get; set; }

    public int Instances { get; set; }

    public int Skipped { get; set; }
}

/// <summary>The first line of <c>watch --output json</c>: the list document with <c>"type":"snapshot"</c>.</summary>
internal sealed class WatchSnapshotLine
{
    public string Type { get; set; } = "snapshot";

    public long Revision { get; set; }

    public List<CatalogServiceDocument> Services { get; set; } = [];

    public List<CatalogRegistryDocument> Registries { get; set; } = [];
}

/// <summary>A change line of <c>watch --output json</c>.</summary>
internal sealed class WatchChangeLine
{
    public string Type { get; set; } = "";

    public long Revision { get; set; }

    public CatalogServiceDocument Service { get; set; } = new();
}
