using System.Text.Json;
using Registry.Adapters.Serialization;

namespace Registry.Adapters.Sync.Serialization;

/// <summary>Turns a mesh snapshot into the catalog document of <c>mesh-sync list --output json</c>.</summary>
internal static class CatalogDocumentWriter
{
    /// <summary>Builds the document: services sorted by name, instances in catalog order (registry priority, then id).</summary>
    /// <param name="snapshot">The snapshot.</param>
    /// <param name="service">Only this mesh service (aliases apply), or <see langword="null"/> for all.</param>
    /// <param name="redact">Applied to every registry error (removes URL user-info).</param>
    /// <returns>The document.</returns>
    public static CatalogDocument Build(MeshSnapshot snapshot, string? service = null, Func<string, string>? redact = null)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        IEnumerable<MeshService> services = service is null
            ? snapshot.GetServices()
            : snapshot.Find(service) is { } found ? [found] : [];
        return new CatalogDocument
        {
            Revision = snapshot.Revision,
            Services = [.. services.OrderBy(static s => s.Name, StringComparer.Ordinal).Select(ToDocument)],
            Registries = [.. snapshot.Registries.Select(r => ToDocument(r, redact))],
        };
    }

    /// <summary>Converts one mesh service.</summary>
    /// <param name="service">The service.</param>
    /// <returns>Its <c>services[]</c> item.</returns>
    public static CatalogServiceDocument ToDocument(MeshService service)
    {
        ArgumentNullException.ThrowIfNull(service);
        return new CatalogServiceDocument
        {
            Name = service.Name,
            Instances = [.. service.Instances.Select(ToDocument)],
        };
    }

    /// <summary>The lower-case name of a registry state, as the document spells it.</summary>
    /// <param name="state">The state.</param>
    /// <returns>The name.</returns>
    public static string StateName(RegistryState state) => state switch
    {
        RegistryState.Ready => "ready",
        RegistryState.Stale => "stale",
        RegistryState.Failed => "failed",
        _ => "syncing",
    };

    /// <summary>Writes the document as indented JSON.</summary>
    /// <param name="document">The document.</param>
    /// <returns>The JSON text.</returns>
    public static string ToJson(CatalogDocument document) =>
        JsonSerializer.Serialize(document, CatalogJsonContext.Indented.CatalogDocument);

    private static InstanceDocument ToDocument(MeshInstance instance) => InstanceDocument.From(instance.Instance, instance.Registry, instance.Stale);

    private static CatalogRegistryDocument ToDocument(RegistryStatus status, Func<string, string>? redact) => new()
    {
        Name = status.Name,
        Kind = status.Kind,
        State = StateName(status.State),
        Error = status.Error is null ? null : redact?.Invoke(status.Error) ?? status.Error,
        Services = status.Services,
        Instances = status.Instances,
        Skipped = status.Skipped.Length,
    };
}
