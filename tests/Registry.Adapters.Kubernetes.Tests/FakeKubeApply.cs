using System.Text.Json.Nodes;

namespace Registry.Adapters.Kubernetes.Tests;

/// <summary>
/// Server-side apply's field ownership, as the API server's structured-merge-diff keeps it in <c>managedFields</c>:
/// each manager owns a set of field paths; an apply that changes a field another manager owns is a conflict (409)
/// unless forced, which transfers ownership; fields a manager applied before and no longer applies are removed when
/// nobody else owns them; an update (PUT, POST, merge patch) takes ownership of the fields it changed. Simplification:
/// lists are atomic (one field), as for <c>x-kubernetes-list-type: atomic</c>; the real server merges list-maps by key.
/// </summary>
internal sealed class FakeKubeFieldOwners
{
    private static readonly HashSet<string> ServerFields = ["resourceVersion", "uid", "creationTimestamp", "generation", "managedFields", "name", "namespace", "deletionTimestamp"];

    private readonly Dictionary<string, (string Operation, HashSet<string> Paths)> _managers = new(StringComparer.Ordinal);

    public bool IsEmpty => _managers.Count == 0;

    /// <summary>The leaf paths of an object, as <c>.spec.ports</c> strings joined with a separator that no key holds.</summary>
    public static HashSet<string> Leaves(JsonObject obj)
    {
        var leaves = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (key, value) in obj)
        {
            if (key is "apiVersion" or "kind" or "status")
            {
                continue;
            }

            if (key == "metadata" && value is JsonObject metadata)
            {
                foreach (var (mkey, mvalue) in metadata)
                {
                    if (!ServerFields.Contains(mkey))
                    {
                        Collect(mvalue, "metadata\u001f" + mkey, leaves);
                    }
                }

                continue;
            }

            Collect(value, key, leaves);
        }

        return leaves;
    }

    private static void Collect(JsonNode? node, string path, HashSet<string> leaves)
    {
        if (node is JsonObject obj && obj.Count > 0)
        {
            foreach (var (key, value) in obj)
            {
                Collect(value, path + "\u001f" + key, leaves);
            }
        }
        else
        {
            leaves.Add(path);
        }
    }

    public static string Format(string path) => "." + path.Replace('\u001f', '.');

    public static JsonNode? Get(JsonObject obj, string path)
    {
        JsonNode? node = obj;
        foreach (var key in path.Split('\u001f'))
        {
            node = node is JsonObject o && o.TryGetPropertyValue(key, out var next) ? next : null;
            if (node is null)
            {
                return null;
            }
        }

        return node;
    }

    public static void Set(JsonObject obj, string path, JsonNode? value)
    {
        var keys = path.Split('\u001f');
        var node = obj;
        foreach (var key in keys[..^1])
        {
            if (node[key] is not JsonObject next)
            {
                next = [];
                node[key] = next;
            }

            node = next;
        }

        node[keys[^1]] = value?.DeepClone();
    }

    public static void Remove(JsonObject obj, string path)
    {
        var keys = path.Split('\u001f');
        var parents = new List<JsonObject> { obj };
        foreach (var key in keys[..^1])
        {
            if (parents[^1][key] is not JsonObject next)
            {
                return;
            }

            parents.Add(next);
        }

        parents[^1].Remove(keys[^1]);
        for (var i = parents.Count - 1; i > 0 && parents[i].Count == 0; i--)
        {
            parents[i - 1].Remove(keys[i - 1]);
        }
    }

    private static bool Overlaps(string a, string b) =>
        a == b || a.StartsWith(b + "\u001f", StringComparison.Ordinal) || b.StartsWith(a + "\u001f", StringComparison.Ordinal);

    /// <summary>The conflicts an apply by <paramref name="manager"/> would have: (field, other manager).</summary>
    public List<(string Field, string Manager)> Conflicts(string manager, JsonObject live, JsonObject applied)
    {
        var conflicts = new List<(string, string)>();
        foreach (var path in Leaves(applied))
        {
            foreach (var (other, (_, paths)) in _managers)
            {
                if (other == manager)
                {
                    continue;
                }

                foreach (var owned in paths.Where(p => Overlaps(p, path)))
                {
                    if (!JsonNode.DeepEquals(Get(live, owned), Get(applied, owned)))
                    {
                        conflicts.Add((owned, other));
                    }
                }
            }
        }

        return conflicts;
    }

    /// <summary>Applies <paramref name="applied"/> as <paramref name="manager"/> onto a copy of <paramref name="live"/> (null: create).</summary>
    public JsonObject Apply(string manager, JsonObject? live, JsonObject applied, bool force)
    {
        var leaves = Leaves(applied);
        var result = live?.DeepClone().AsObject() ?? new JsonObject();
        if (force)
        {
            foreach (var (other, (_, paths)) in _managers.Where(m => m.Key != manager))
            {
                // Forcing takes the conflicting fields; fields applied with the value they have stay shared.
                paths.RemoveWhere(p => leaves.Any(l => Overlaps(p, l)) && (live is null || !JsonNode.DeepEquals(Get(live, p), Get(applied, p))));
            }
        }

        if (_managers.TryGetValue(manager, out var previous))
        {
            foreach (var dropped in previous.Paths.Where(p => !leaves.Contains(p)))
            {
                if (!_managers.Any(m => m.Key != manager && m.Value.Paths.Any(p => Overlaps(p, dropped))))
                {
                    Remove(result, dropped);
                }
            }
        }

        foreach (var leaf in leaves)
        {
            Set(result, leaf, Get(applied, leaf));
        }

        _managers[manager] = ("Apply", leaves);
        Prune();
        return result;
    }

    /// <summary>Records an update (create, PUT, merge patch) by <paramref name="manager"/>: it owns what it changed; removed fields are nobody's.</summary>
    public void Update(string manager, JsonObject? before, JsonObject after)
    {
        var now = Leaves(after);
        var changed = now.Where(p => before is null || !JsonNode.DeepEquals(Get(before, p), Get(after, p))).ToHashSet(StringComparer.Ordinal);
        foreach (var (_, (_, paths)) in _managers)
        {
            paths.RemoveWhere(p => !now.Contains(p) && Get(after, p) is null);
            paths.RemoveWhere(p => changed.Any(c => Overlaps(p, c)));
        }

        if (changed.Count > 0)
        {
            var mine = _managers.TryGetValue(manager, out var existing) && existing.Operation == "Update" ? existing.Paths : [];
            mine.UnionWith(changed);
            _managers[manager] = ("Update", mine);
        }

        Prune();
    }

    private void Prune()
    {
        foreach (var empty in _managers.Where(static m => m.Value.Paths.Count == 0).Select(static m => m.Key).ToList())
        {
            _managers.Remove(empty);
        }
    }

    /// <summary>The <c>managedFields</c> entries (FieldsV1 trees of <c>f:</c> keys), sorted by manager.</summary>
    public JsonArray Render(string apiVersion)
    {
        var array = new JsonArray();
        foreach (var (manager, (operation, paths)) in _managers.OrderBy(static m => m.Key, StringComparer.Ordinal))
        {
            var fields = new JsonObject();
            foreach (var path in paths.Order(StringComparer.Ordinal))
            {
                var node = fields;
                foreach (var key in path.Split('\u001f'))
                {
                    if (node["f:" + key] is not JsonObject next)
                    {
                        next = [];
                        node["f:" + key] = next;
                    }

                    node = next;
                }
            }

            array.Add(new JsonObject
            {
                ["manager"] = manager,
                ["operation"] = operation,
                ["apiVersion"] = apiVersion,
                ["fieldsType"] = "FieldsV1",
                ["fieldsV1"] = fields,
            });
        }

        return array;
    }
}
