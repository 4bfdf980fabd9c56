using System.Globalization;
using System.Text.Json.Nodes;

namespace Registry.Adapters.Kubernetes.Tests;

/// <summary>
/// The fake API server's storage, shaped like etcd behind the watch cache: one global revision that every
/// write bumps (it becomes the object's <c>resourceVersion</c>), every version of every object kept until
/// compaction (so a continue token reads a consistent snapshot), and the event history that watches replay.
/// </summary>
internal sealed class FakeKubeStore
{
    private readonly Dictionary<string, Dictionary<string, List<Version>>> _objects = new(StringComparer.Ordinal);
    private readonly List<HistoryEvent> _history = [];

    public Lock Gate { get; } = new();

    public long Revision { get; private set; } = 1000;

    /// <summary>Versions at or below this are gone: a watch or continue token from before it gets 410.</summary>
    public long Compacted { get; private set; } = 1000;

    /// <summary>Writes an object (ADDED or MODIFIED); returns the event. Call under <see cref="Gate"/>.</summary>
    public HistoryEvent Put(string resource, JsonObject item)
    {
        var metadata = item["metadata"]!.AsObject();
        var key = KeyOf(metadata);
        var versions = Versions(resource, key);
        var previous = versions.Count > 0 ? versions[^1].Item : null;
        Revision++;
        metadata["resourceVersion"] = Revision.ToString(CultureInfo.InvariantCulture);
        metadata["uid"] ??= previous?["metadata"]?["uid"]?.DeepClone() ?? Guid.NewGuid().ToString();
        metadata["creationTimestamp"] ??= previous?["metadata"]?["creationTimestamp"]?.DeepClone() ?? "2026-01-07T16:10:00Z";
        metadata["generation"] = (previous?["metadata"]?["generation"]?.GetValue<long>() ?? 0) + 1;
        versions.Add(new Version(Revision, item));
        var type = previous is null ? "ADDED" : "MODIFIED";
        var added = new HistoryEvent(Revision, resource, type, key, item, previous);
        _history.Add(added);
        return added;
    }

    /// <summary>Deletes an object; returns the DELETED event (carrying the last state, at a new version), or null.</summary>
    public HistoryEvent? Delete(string resource, string key)
    {
        var versions = Versions(resource, key);
        if (versions.Count == 0 || versions[^1].Item is null)
        {
            return null;
        }

        var last = versions[^1].Item!.DeepClone().AsObject();
        Revision++;
        last["metadata"]!["resourceVersion"] = Revision.ToString(CultureInfo.InvariantCulture);
        versions.Add(new Version(Revision, null));
        var deleted = new HistoryEvent(Revision, resource, "DELETED", key, last, versions[^2].Item);
        _history.Add(deleted);
        return deleted;
    }

    /// <summary>Bumps the revision (a write to some unrelated object, as a busy cluster does) and compacts everything up to it.</summary>
    public void CompactNow()
    {
        Revision++;
        CompactTo(Revision);
    }

    /// <summary>When more than twice <paramref name="keep"/> events are held, compacts all but the last <paramref name="keep"/> (etcd's periodic compaction).</summary>
    public void CompactKeeping(int keep)
    {
        if (_history.Count > 2 * keep)
        {
            CompactTo(_history[^keep].Revision - 1);
        }
    }

    private void CompactTo(long revision)
    {
        Compacted = revision;
        _history.RemoveAll(e => e.Revision <= Compacted);
        foreach (var byKey in _objects.Values)
        {
            foreach (var versions in byKey.Values)
            {
                var keep = versions.FindLastIndex(v => v.Revision <= Compacted);
                if (keep > 0)
                {
                    versions.RemoveRange(0, keep);
                }
            }
        }
    }

    /// <summary>The objects of a resource at <paramref name="revision"/>, ordered by key as etcd returns them.</summary>
    public List<(string Key, JsonObject Item)> StateAt(string resource, long revision)
    {
        var result = new List<(string, JsonObject)>();
        if (!_objects.TryGetValue(resource, out var byKey))
        {
            return result;
        }

        foreach (var (key, versions) in byKey)
        {
            var version = versions.FindLast(v => v.Revision <= revision);
            if (version?.Item is { } item)
            {
                result.Add((key, item));
            }
        }

        result.Sort(static (a, b) => string.CompareOrdinal(a.Item1, b.Item1));
        return result;
    }

    /// <summary>Events of a resource after <paramref name="revision"/>, in order.</summary>
    public List<HistoryEvent> Since(string resource, long revision) =>
        _history.Where(e => e.Revision > revision && string.Equals(e.Resource, resource, StringComparison.Ordinal)).ToList();

    public static string KeyOf(JsonObject metadata) => $"{metadata["namespace"]?.GetValue<string>()}/{metadata["name"]?.GetValue<string>()}";

    private List<Version> Versions(string resource, string key)
    {
        if (!_objects.TryGetValue(resource, out var byKey))
        {
            byKey = new Dictionary<string, List<Version>>(StringComparer.Ordinal);
            _objects[resource] = byKey;
        }

        if (!byKey.TryGetValue(key, out var versions))
        {
            versions = [];
            byKey[key] = versions;
        }

        return versions;
    }

    private sealed record Version(long Revision, JsonObject? Item);
}

/// <summary>One change in the store's history.</summary>
internal sealed record HistoryEvent(long Revision, string Resource, string Type, string Key, JsonObject Item, JsonObject? Previous);
