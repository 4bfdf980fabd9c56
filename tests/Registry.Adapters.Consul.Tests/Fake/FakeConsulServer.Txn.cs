using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace Registry.Adapters.Consul.Tests.Fake;

// PUT /v1/txn (hashicorp/consul agent/txn_endpoint.go, agent/consul/state/txn.go): Node, Service and Check operations
// with the set/cas/get/delete/delete-cas verbs and KV operations (FakeConsulServer.TxnKv.cs), all at one raft index; more than MaxTxnOps operations is a 413; if any
// operation fails the whole transaction is rolled back and the answer is 409 with Errors (OpIndex, What); a success is
// 200 with Results for the operations that return one (not the deletes).
public sealed partial class FakeConsulServer
{
    private readonly List<FakeCheck> _replacedChecks = [];
    private List<Action>? _undo;

    private async Task TxnAsync(HttpContext context, JsonElement body)
    {
        Interlocked.Increment(ref _transactions);
        if (body.ValueKind != JsonValueKind.Array)
        {
            await WriteTextAsync(context, 400, "Failed to parse body: json: cannot unmarshal object into Go value of type api.TxnOps");
            return;
        }

        var count = body.GetArrayLength();
        if (count > MaxTxnOps)
        {
            await WriteTextAsync(context, 413, $"Transaction contains too many operations ({count} > {MaxTxnOps})");
            return;
        }

        var results = new List<Dictionary<string, object?>>();
        var errors = new List<object>();
        lock (_gate)
        {
            BeginWriteLocked();
            var touched = new HashSet<string>(StringComparer.Ordinal);
            var index = _index + 1;
            var writes = false;
            var catalogWrites = false;
            var position = 0;
            foreach (var op in body.EnumerateArray())
            {
                var (result, error, write) = ApplyOpLocked(op, index, touched);
                writes |= write;
                catalogWrites |= write && Prop(op, "KV") is null;
                if (error is not null)
                {
                    errors.Add(new { OpIndex = position, What = error });
                }
                else if (result is not null)
                {
                    results.Add(result);
                }

                position++;
            }

            if (errors.Count > 0)
            {
                RollbackWriteLocked();
            }
            else
            {
                if (writes)
                {
                    _index = index;
                    if (catalogWrites)
                    {
                        CommitLocked(index, catalog: true, [.. touched]);
                    }
                    else
                    {
                        SignalLocked();
                    }
                }

                CommitWriteLocked();
            }
        }

        if (errors.Count > 0)
        {
            context.Response.StatusCode = 409;
            await WriteJsonAsync(context, new { Results = (object?)null, Errors = errors }, index: null);
            return;
        }

        await WriteJsonAsync(context, new { Results = results, Errors = (object?)null }, index: null);
    }

    private (Dictionary<string, object?>? Result, string? Error, bool Write) ApplyOpLocked(JsonElement op, ulong index, HashSet<string> touched)
    {
        if (Prop(op, "Node") is { ValueKind: JsonValueKind.Object } nodeOp)
        {
            return NodeOpLocked(nodeOp, index, touched);
        }

        if (Prop(op, "Service") is { ValueKind: JsonValueKind.Object } serviceOp)
        {
            return ServiceOpLocked(serviceOp, index, touched);
        }

        if (Prop(op, "Check") is { ValueKind: JsonValueKind.Object } checkOp)
        {
            return CheckOpLocked(checkOp, index, touched);
        }

        if (Prop(op, "KV") is { ValueKind: JsonValueKind.Object } kvOp)
        {
            return KvOpLocked(kvOp, index);
        }

        return (null, "no operation specified", false);
    }

    private (Dictionary<string, object?>?, string?, bool) NodeOpLocked(JsonElement op, ulong index, HashSet<string> touched)
    {
        var verb = Str(op, "Verb");
        var node = Prop(op, "Node") ?? default;
        var name = Str(node, "Node") ?? string.Empty;
        _nodes.TryGetValue(name, out var existing);
        var modifyIndex = Prop(node, "ModifyIndex") is { ValueKind: JsonValueKind.Number } n ? n.GetUInt64() : 0;
        switch (verb)
        {
            case "get":
                return existing is null ? (null, $"node \"{name}\" doesn't exist", false) : (new() { ["Node"] = RenderNode(existing) }, null, false);
            case "set" or "cas":
                if (verb == "cas" && ((modifyIndex == 0 && existing is not null) || (modifyIndex != 0 && existing?.ModifyIndex != modifyIndex)))
                {
                    return (null, $"failed to set node \"{name}\", index is stale", true);
                }

                if (name.Length == 0 || Str(node, "Address") is not { Length: > 0 } address)
                {
                    return (null, "Must provide node and address", true);
                }

                var meta = Prop(node, "Meta") is { ValueKind: JsonValueKind.Object } m ? m.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString() ?? string.Empty) : [];
                SetNodeLocked(name, address, meta, Str(node, "ID"), index);
                return (new() { ["Node"] = RenderNode(_nodes[name]) }, null, true);
            case "delete":
                DeleteNodeLocked(name, touched);
                return (null, null, true);
            case "delete-cas":
                if (existing is null || existing.ModifyIndex != modifyIndex)
                {
                    return (null, $"failed to delete node \"{name}\", index is stale", true);
                }

                DeleteNodeLocked(name, touched);
                return (null, null, true);
            default:
                return (null, $"unknown Node verb \"{verb}\"", false);
        }
    }

    private (Dictionary<string, object?>?, string?, bool) ServiceOpLocked(JsonElement op, ulong index, HashSet<string> touched)
    {
        var verb = Str(op, "Verb");
        var node = Str(op, "Node") ?? string.Empty;
        var service = Prop(op, "Service") ?? default;
        var id = Str(service, "ID") is { Length: > 0 } given ? given : Str(service, "Service") ?? string.Empty;
        _services.TryGetValue((node, id), out var existing);
        var modifyIndex = Prop(service, "ModifyIndex") is { ValueKind: JsonValueKind.Number } n ? n.GetUInt64() : 0;
        switch (verb)
        {
            case "get":
                return existing is null ? (null, $"service \"{id}\" on node \"{node}\" doesn't exist", false) : (new() { ["Service"] = RenderService(existing) }, null, false);
            case "set" or "cas":
                if (SetServiceLocked(node, service, index, touched, cas: verb == "cas") is { } error)
                {
                    return (null, error, true);
                }

                return (new() { ["Service"] = RenderService(_services[(node, id)]) }, null, true);
            case "delete":
                DeleteServiceLocked(node, id, touched);
                return (null, null, true);
            case "delete-cas":
                if (existing is null || existing.ModifyIndex != modifyIndex)
                {
                    return (null, $"failed to delete service \"{id}\" on node \"{node}\", index is stale", true);
                }

                DeleteServiceLocked(node, id, touched);
                return (null, null, true);
            default:
                return (null, $"unknown Service verb \"{verb}\"", false);
        }
    }

    private (Dictionary<string, object?>?, string?, bool) CheckOpLocked(JsonElement op, ulong index, HashSet<string> touched)
    {
        var verb = Str(op, "Verb");
        var check = Prop(op, "Check") ?? default;
        var node = Str(check, "Node") ?? string.Empty;
        var id = Str(check, "CheckID") ?? string.Empty;
        _checks.TryGetValue((node, id), out var existing);
        var modifyIndex = Prop(check, "ModifyIndex") is { ValueKind: JsonValueKind.Number } n ? n.GetUInt64() : 0;
        switch (verb)
        {
            case "get":
                return existing is null ? (null, $"check \"{id}\" on node \"{node}\" doesn't exist", false) : (new() { ["Check"] = RenderCheck(existing, []) }, null, false);
            case "set" or "cas":
                if (SetCheckLocked(node, check, index, touched, cas: verb == "cas") is { } error)
                {
                    return (null, error, true);
                }

                return (new() { ["Check"] = RenderCheck(_checks[(node, id)], []) }, null, true);
            case "delete":
                DeleteCheckLocked(node, id, touched);
                return (null, null, true);
            case "delete-cas":
                if (existing is null || existing.ModifyIndex != modifyIndex)
                {
                    return (null, $"failed to delete check \"{id}\" on node \"{node}\", index is stale", true);
                }

                DeleteCheckLocked(node, id, touched);
                return (null, null, true);
            default:
                return (null, $"unknown Check verb \"{verb}\"", false);
        }
    }

    /// <summary>
    /// Starts a write request: from here each mutation of the catalog or the KV store records how to undo itself
    /// (<see cref="RecordLocked{TKey, TValue}"/>), so a failed request is rolled back at the cost of what it touched — a
    /// copy of the whole state per request made a 100,000-instance sync take minutes.
    /// </summary>
    private void BeginWriteLocked()
    {
        _replacedChecks.Clear();
        _undo = [];
    }

    /// <summary>Undoes every mutation of the request, the last first; checks it created end (their timers with them).</summary>
    private void RollbackWriteLocked()
    {
        var undo = _undo ?? [];
        _undo = null;
        for (var i = undo.Count - 1; i >= 0; i--)
        {
            undo[i]();
        }

        _replacedChecks.Clear();
    }

    /// <summary>Keeps the request's mutations; checks it replaced or removed end now (their timers with them).</summary>
    private void CommitWriteLocked()
    {
        _undo = null;
        foreach (var check in _replacedChecks)
        {
            if (!(_checks.TryGetValue((check.Node, check.CheckId), out var live) && ReferenceEquals(live, check)))
            {
                check.Dispose();
            }
        }

        _replacedChecks.Clear();
    }

    /// <summary>Before <paramref name="key"/> of <paramref name="table"/> is set or removed in a write request: how to put it back.</summary>
    private void RecordLocked<TKey, TValue>(IDictionary<TKey, TValue> table, TKey key)
        where TKey : notnull
    {
        if (_undo is null)
        {
            return;
        }

        if (table.TryGetValue(key, out var old))
        {
            _undo.Add(() => table[key] = old);
        }
        else
        {
            _undo.Add(() => table.Remove(key));
        }
    }

    /// <summary>Before an entry's fields change in place in a write request: how to put them back.</summary>
    private void RecordLocked(FakeService service)
    {
        if (_undo is not null)
        {
            var (spec, modifyIndex) = (service.Spec, service.ModifyIndex);
            _undo.Add(() =>
            {
                service.Spec = spec;
                service.ModifyIndex = modifyIndex;
            });
        }
    }

    /// <summary>A check a write request created: ended if the request is rolled back.</summary>
    private void RecordCreatedLocked(FakeCheck check) => _undo?.Add(check.Dispose);
}
