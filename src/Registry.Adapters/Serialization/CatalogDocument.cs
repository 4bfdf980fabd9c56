namespace Registry.Adapters.Serialization;

/// <summary>The catalog document the File registry reads and writes: the shape of <c>mesh-sync list --output json</c>, whose <c>registries</c> it ignores.</summary>
internal sealed class CatalogDocument
{
    public long Revision { get; set; }

    public List<CatalogServiceDocument> Services { get; set; } = [];
}

/// <summary>One <c>services[]</c> item.</summary>
internal sealed class CatalogServiceDocument
{
    public string? Name { get; set; }

    public List<CatalogInstanceDocument> Instances { get; set; } = [];
}

/// <summary>One <c>instances[]</c> item. <c>registry</c> and <c>stale</c> are written, and ignored when read.</summary>
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

/// <summary>One <c>ports[]</c> item. The number is read as a 64-bit integer so that an out-of-range port skips its record instead of failing the file.</summary>
internal sealed class CatalogPortDocument
{
    public string? Name { get; set; }

    public long Port { get; set; }

    public string? Protocol { get; set; }
}
