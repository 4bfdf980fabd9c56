using System.Globalization;
using System.Text;
using System.Text.Json;
using Registry.Adapters.Sync.Serialization;

namespace Registry.Adapters.Sync.Serve;

/// <summary>
/// Encodes Server-Sent Events. One catalog revision is one event (<c>id</c> = revision) whose <c>data</c> lines are the
/// <c>watch --output json</c> lines of that revision, so a client never sees half a revision. Registry status events carry
/// no <c>id</c>: they leave the client's Last-Event-ID alone and are resent on resume.
/// </summary>
internal static class WatchEvents
{
    public static readonly byte[] Retry = "retry: 2000\n\n"u8.ToArray();

    public static byte[] Batch(MeshChangeBatch batch)
    {
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"id: {batch.Revision}\n");
        foreach (var change in batch.Changes)
        {
            var line = new WatchChangeLine
            {
                Type = change.Kind switch
                {
                    MeshChangeKind.Added => "added",
                    MeshChangeKind.Removed => "removed",
                    _ => "updated",
                },
                Revision = batch.Revision,
                Service = CatalogDocumentWriter.ToDocument(change.Service),
            };
            text.Append("data: ").Append(JsonSerializer.Serialize(line, CatalogJsonContext.Default.WatchChangeLine)).Append('\n');
        }

        return Encoding.UTF8.GetBytes(text.Append('\n').ToString());
    }

    public static byte[] Registries(ServeRegistriesDocument document)
    {
        document.Type = "registries";
        return Event(null, JsonSerializer.SerializeToUtf8Bytes(document, ServeJsonContext.Default.ServeRegistriesDocument));
    }

    public static byte[] Snapshot(MeshSnapshot snapshot, ServeRegistriesDocument registries)
    {
        var document = CatalogDocumentWriter.Build(snapshot);
        var line = new ServeSnapshotEvent
        {
            Revision = snapshot.Revision,
            Services = document.Services,
            Registries = registries.Registries,
            Conflicts = registries.Conflicts,
        };
        return Event(snapshot.Revision, JsonSerializer.SerializeToUtf8Bytes(line, ServeJsonContext.Default.ServeSnapshotEvent));
    }

    private static byte[] Event(long? id, byte[] json)
    {
        var head = id is { } revision ? Encoding.ASCII.GetBytes(string.Create(CultureInfo.InvariantCulture, $"id: {revision}\ndata: ")) : "data: "u8.ToArray();
        var encoded = new byte[head.Length + json.Length + 2];
        head.CopyTo(encoded, 0);
        json.CopyTo(encoded, head.Length);
        encoded[^2] = (byte)'\n';
        encoded[^1] = (byte)'\n';
        return encoded;
    }
}
