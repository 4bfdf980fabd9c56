using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using System.Text.Json.Nodes;
using Registry.Adapters.Serialization;
using Registry.Adapters.Sync;

namespace Registry.Adapters;

/// <summary>
/// The File registry as a sync target: the mirrored catalog is written into the file in the <c>list</c> JSON shape,
/// atomically (a temporary file beside it, then a rename). Records the sync does not own, valid or not, are kept
/// as they are; a file that is not a catalog is never overwritten.
/// </summary>
internal sealed partial class FileRegistry : IServiceRegistryWriter
{
    private readonly SemaphoreSlim _writeGate = new(1, 1);
    private readonly NormalizedInstances _normalized = new();

    /// <inheritdoc />
    public bool TryNormalize(ServiceInstance desired, [NotNullWhen(true)] out ServiceInstance? stored, [NotNullWhen(false)] out string? reason)
    {
        ArgumentNullException.ThrowIfNull(desired);
        reason = ServiceInstanceValidator.Validate(desired);
        stored = reason is null ? _normalized.Remember(desired) : null;
        return reason is null;
    }

    /// <inheritdoc />
    public async Task<OwnedRecords> ListOwnedAsync(string syncId, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var load = await LoadForWriteAsync(cancellationToken).ConfigureAwait(false);
        return new OwnedRecords
        {
            Services = Owned(load.Result?.Services, syncId),
            Revision = load.Revision,
        };
    }

    /// <inheritdoc />
    public async Task<WriteResult> ApplyAsync(WriteBatch batch, CancellationToken cancellationToken = default)
    {
        WriterChecks.CheckBatch(batch);
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_fixedContent is not null)
        {
            throw new RegistryException($"{Source} is embedded content and cannot be a sync target.") { IsPermanent = true };
        }

        await _writeGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var load = await LoadForWriteAsync(cancellationToken).ConfigureAwait(false);
            var root = load.Bytes is null ? new JsonObject { ["services"] = new JsonArray() } : ParseRoot(load.Bytes);
            var services = root["services"] as JsonArray ?? [];
            root["services"] = services;
            var current = load.Result?.Services;
            var rejected = new List<SkippedRecord>();
            int created = 0, updated = 0, deleted = 0;
            var dirty = false;
            foreach (var (service, desired) in batch.Services)
            {
                var all = current is not null && current.TryGetValue(service, out var existing) ? existing : [];
                var owned = all.Where(i => SyncMetadata.IsOwnedBy(i, batch.SyncId)).ToList();
                var foreignIds = all.Where(i => !SyncMetadata.IsOwnedBy(i, batch.SyncId)).Select(static i => i.Id).ToHashSet(StringComparer.Ordinal);
                var accepted = Accept(service, desired, batch.SyncId, foreignIds, rejected);
                var diff = OwnedDiff.Compute(owned, accepted);
                created += diff.Creates.Count;
                updated += diff.Updates.Count;
                deleted += diff.Deletes.Count;
                dirty |= Replace(services, service, batch.SyncId, accepted, owned.Count, diff.IsEmpty);
            }

            if (!dirty)
            {
                return new WriteResult { Rejected = rejected, Revision = load.Revision };
            }

            await WriteAtomicallyAsync(root, cancellationToken).ConfigureAwait(false);
            return new WriteResult { Created = created, Updated = updated, Deleted = deleted, Requests = 1, Rejected = rejected };
        }
        finally
        {
            _writeGate.Release();
        }
    }

    private static Dictionary<string, IReadOnlyList<ServiceInstance>> Owned(IReadOnlyDictionary<string, IReadOnlyList<ServiceInstance>>? services, string syncId)
    {
        var owned = new Dictionary<string, IReadOnlyList<ServiceInstance>>(StringComparer.Ordinal);
        foreach (var (service, instances) in services ?? new Dictionary<string, IReadOnlyList<ServiceInstance>>())
        {
            var mine = instances.Where(i => SyncMetadata.IsOwnedBy(i, syncId)).ToArray();
            if (mine.Length > 0)
            {
                owned[service] = mine;
            }
        }

        return owned;
    }

    private List<ServiceInstance> Accept(string service, IReadOnlyList<ServiceInstance> desired, string syncId, HashSet<string> foreignIds, List<SkippedRecord> rejected) =>
        WriterChecks.Accept(
            service,
            desired,
            syncId,
            _normalized,
            instance => TryNormalize(instance, out var stored, out var reason) ? (stored, null) : (null, reason),
            instance => foreignIds.Contains(instance.Id) ? "the file holds a record with this id that the sync does not own" : null,
            rejected);

    /// <summary>Replaces the owned items of one service in the document; returns whether the document changed.</summary>
    private static bool Replace(JsonArray services, string service, string syncId, List<ServiceInstance> desired, int ownedParsed, bool same)
    {
        var item = services.OfType<JsonObject>().FirstOrDefault(s => s["name"] is JsonValue v && v.TryGetValue<string>(out var n) && string.Equals(n, service, StringComparison.Ordinal));
        var instances = item?["instances"] as JsonArray;
        var ownedNodes = instances?.Where(n => IsOwnedNode(n, syncId)).ToList() ?? [];
        if (same && ownedNodes.Count == ownedParsed)
        {
            return false;
        }

        if (item is null)
        {
            item = new JsonObject { ["name"] = service, ["instances"] = new JsonArray() };
            services.Add(item);
        }

        if (instances is null)
        {
            instances = [];
            item["instances"] = instances;
        }

        foreach (var node in ownedNodes)
        {
            instances.Remove(node);
        }

        foreach (var instance in desired.OrderBy(static i => i.Id, StringComparer.Ordinal))
        {
            instances.Add(JsonSerializer.SerializeToNode(InstanceDocument.From(instance, SyncMetadata.GetOrigin(instance)), InstanceJsonContext.Relaxed.InstanceDocument));
        }

        if (instances.Count == 0)
        {
            services.Remove(item);
        }

        return true;
    }

    private static bool IsOwnedNode(JsonNode? node, string syncId) =>
        node is JsonObject o
        && o["metadata"] is JsonObject metadata
        && metadata[SyncMetadata.SyncIdKey] is JsonValue value
        && value.TryGetValue<string>(out var id)
        && string.Equals(id, syncId, StringComparison.Ordinal);

    private JsonObject ParseRoot(byte[] bytes)
    {
        try
        {
            var span = bytes.AsSpan();
            if (span.StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF]))
            {
                span = span[3..];
            }

            return JsonNode.Parse(span, documentOptions: new JsonDocumentOptions { AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip, MaxDepth = 32 }) as JsonObject
                ?? throw new RegistryException($"{Source} is not a catalog; it is not overwritten.");
        }
        catch (JsonException ex)
        {
            throw new RegistryException($"{CatalogDocumentReader.DescribeJsonError(Source, ex)} It is not overwritten.", ex);
        }
    }

    private async Task<FileLoad> LoadForWriteAsync(CancellationToken cancellationToken)
    {
        var load = await LoadAsync(cancellationToken).ConfigureAwait(false);
        if (load.Missing)
        {
            return load;
        }

        return load.Error is not null ? throw new RegistryException($"{load.Error} The sync does not write into it.") : load;
    }

    private async Task WriteAtomicallyAsync(JsonObject root, CancellationToken cancellationToken)
    {
        var directory = System.IO.Path.GetDirectoryName(FullPath) ?? ".";
        var temporary = System.IO.Path.Combine(directory, $".{System.IO.Path.GetFileName(FullPath)}.{Guid.NewGuid():n}.tmp");
        try
        {
            Directory.CreateDirectory(directory);
            var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, 4096, useAsync: true);
            await using (stream.ConfigureAwait(false))
            {
                using (var writer = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true }))
                {
                    root.WriteTo(writer);
                    await writer.FlushAsync(cancellationToken).ConfigureAwait(false);
                }

                await stream.FlushAsync(cancellationToken).ConfigureAwait(false);
                stream.Flush(flushToDisk: true);
            }

            File.Move(temporary, FullPath, overwrite: true);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            TryDelete(temporary);
            throw new RegistryException($"{Source} could not be written: {ex.Message}", ex);
        }
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
