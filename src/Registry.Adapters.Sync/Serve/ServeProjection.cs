using Registry.Adapters.Sync.Serialization;

namespace Registry.Adapters.Sync.Serve;

/// <summary>Turns catalog values into the serve documents; every registry error is redacted.</summary>
internal static class ServeProjection
{
    public static ServeRegistryDocument ToDocument(RegistryStatus status) => new()
    {
        Name = status.Name,
        Kind = status.Kind,
        State = CatalogDocumentWriter.StateName(status.State),
        Error = status.Error is null ? null : Redaction.Redact(status.Error),
        Priority = status.Priority,
        Services = status.Services,
        Instances = status.Instances,
        Skipped = status.Skipped.Length,
        HeldBack = status.HeldBack,
        Since = status.Since,
    };

    public static ServeConflictDocument ToDocument(NameConflict conflict) => new()
    {
        Registry = conflict.Registry,
        MeshName = conflict.MeshName,
        SourceNames = [.. conflict.SourceNames],
    };

    public static ServeServiceDocument ToDocument(MeshService service, long revision)
    {
        var item = CatalogDocumentWriter.ToDocument(service);
        return new ServeServiceDocument { Revision = revision, Name = item.Name, Instances = item.Instances };
    }
}
