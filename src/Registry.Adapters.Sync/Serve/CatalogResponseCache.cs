using System.Text.Json;
using Registry.Adapters.Sync.Serialization;

namespace Registry.Adapters.Sync.Serve;

/// <summary>The <c>/v1/catalog</c> body of the current revision, encoded once and shared by every request of that revision.</summary>
internal sealed class CatalogResponseCache
{
    private CatalogBody? _cached;

    public CatalogBody Get(MeshSnapshot snapshot)
    {
        var cached = Volatile.Read(ref _cached);
        if (cached is not null && cached.Revision == snapshot.Revision)
        {
            return cached;
        }

        var document = CatalogDocumentWriter.Build(snapshot, null, Redaction.Redact);
        var body = new CatalogBody(snapshot.Revision, JsonSerializer.SerializeToUtf8Bytes(document, CatalogJsonContext.Default.CatalogDocument));
        Volatile.Write(ref _cached, body);
        return body;
    }
}

/// <summary>An encoded catalog document.</summary>
/// <param name="Revision">Its revision.</param>
/// <param name="Body">The UTF-8 JSON.</param>
internal sealed record CatalogBody(long Revision, byte[] Body);
