using Registry.Adapters.Serialization;

namespace Registry.Adapters.Sync.Serialization;

/// <summary>The catalog document: the output of <c>mesh-sync list --output json</c>, in the shape the File registry reads back.</summary>
internal sealed class CatalogDocument
{
    public long Revision { get; set; }

    public List<CatalogServiceDocument> Services { get; set; } = [];

    public List<CatalogRegistryDocument> Registries { get; set; } = [];
}

/// <summary>One <c>services[]</c> item; its instances in the one instance shape of <see cref="InstanceDocument"/>.</summary>
internal sealed class CatalogServiceDocument
{
    public string? Name { get; set; }

    public List<InstanceDocument> Instances { get; set; } = [];
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
