using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http;

namespace Registry.Adapters.Consul.Tests.Fake;

// The catalog write API as the servers apply it (hashicorp/consul agent/consul/state/catalog.go, txn.go): a node
// written through the catalog has no serfHealth check (no agent gossips for it); a service needs its node
// ("Missing node registration"), a service check its service ("Missing service registration"); deregistering a node
// removes its services and checks, deregistering a service its checks; one raft index per request.
public sealed partial class FakeConsulServer
{
    /// <summary>The most operations one <c>/v1/txn</c> accepts (413 beyond): Consul's long-standing 64.</summary>
    public int MaxTxnOps { get; set; } = 64;

    /// <summary>
    /// The servers' <c>limits.txn_max_req_len</c> (default 524288, raft's suggested entry size): a <c>/v1/txn</c> body over it
    /// is a 413 before anything is parsed or applied — by its Content-Length, or counted while reading when it has none.
    /// </summary>
    public int TxnMaxRequestBytes { get; set; } = 512 * 1024;

    /// <summary>The largest <c>/v1/txn</c> body received, in bytes.</summary>
    public int LargestTxnBytes => Volatile.Read(ref _largestTxnBytes);

    /// <summary>The transactions received (applied or rolled back).</summary>
    public int Transactions => Volatile.Read(ref _transactions);

    private int _transactions;
    private int _largestTxnBytes;
    private int _txnTooLarge;

    /// <summary>The <c>/v1/txn</c> bodies refused as over <see cref="TxnMaxRequestBytes"/> (not counted in <see cref="Transactions"/>).</summary>
    public int TxnTooLarge => Volatile.Read(ref _txnTooLarge);

    /// <summary>The services registered on a node, by id (empty for an unknown node).</summary>
    public IReadOnlyDictionary<string, FakeServiceSpec> NodeServices(string node)
    {
        lock (_gate)
        {
            return _services.Where(p => p.Key.Node == node).ToDictionary(p => p.Key.Id, p => p.Value.Spec, StringComparer.Ordinal);
        }
    }

    /// <summary>The checks of a node, by id, with their status and service id.</summary>
    public IReadOnlyDictionary<string, (string Status, string ServiceId)> NodeChecks(string node)
    {
        lock (_gate)
        {
            return _checks.Where(p => p.Key.Node == node).ToDictionary(p => p.Key.CheckId, p => (p.Value.Status, p.Value.ServiceId), StringComparer.Ordinal);
        }
    }

    /// <summary>Whether the catalog has the node.</summary>
    public bool HasNode(string node)
    {
        lock (_gate)
        {
            return _nodes.ContainsKey(node);
        }
    }

    private async Task CatalogWriteAsync(HttpContext context, string path)
    {
        var stream = context.Request.Body;
        using var buffer = new MemoryStream();
        if (path == "/v1/txn")
        {
            // agent/txn_endpoint.go: Content-Length first, then http.MaxBytesReader while decoding; the same 413 text either way.
            var tooLarge = $"Request body too large, max size: {TxnMaxRequestBytes} bytes";
            if (context.Request.ContentLength > TxnMaxRequestBytes)
            {
                Interlocked.Increment(ref _txnTooLarge);
                await WriteTextAsync(context, 413, tooLarge);
                return;
            }

            var chunk = new byte[16 * 1024];
            int read;
            while ((read = await stream.ReadAsync(chunk)) > 0)
            {
                buffer.Write(chunk, 0, read);
                if (buffer.Length > TxnMaxRequestBytes)
                {
                    Interlocked.Increment(ref _txnTooLarge);
                    await WriteTextAsync(context, 413, tooLarge);
                    return;
                }
            }

            var length = (int)buffer.Length;
            int largest;
            while (length > (largest = Volatile.Read(ref _largestTxnBytes)) && Interlocked.CompareExchange(ref _largestTxnBytes, length, largest) != largest)
            {
            }

            buffer.Position = 0;
            stream = buffer;
        }

        JsonElement body;
        try
        {
            using var document = await JsonDocument.ParseAsync(stream);
            body = document.RootElement.Clone();
        }
        catch (JsonException ex)
        {
            await WriteTextAsync(context, 400, "Failed to parse body: " + ex.Message);
            return;
        }

        if (path == "/v1/txn")
        {
            await TxnAsync(context, body);
            return;
        }

        string? error;
        lock (_gate)
        {
            BeginWriteLocked();
            var touched = new HashSet<string>(StringComparer.Ordinal);
            var index = _index + 1;
            error = path == "/v1/catalog/register" ? RegisterLocked(body, index, touched) : DeregisterLocked(body, index, touched);
            if (error is null)
            {
                _index = index;
                CommitLocked(index, catalog: true, [.. touched]);
                CommitWriteLocked();
            }
            else
            {
                RollbackWriteLocked();
            }
        }

        if (error is not null)
        {
            // The RPC's error comes back as a 500 with its text, as Consul's HTTP layer answers.
            await WriteTextAsync(context, 500, error);
            return;
        }

        await WriteJsonAsync(context, true, index: null);
    }

    private string? RegisterLocked(JsonElement body, ulong index, HashSet<string> touched)
    {
        if (Str(body, "Node") is not { Length: > 0 } node)
        {
            return "Must provide node";
        }

        var skipNodeUpdate = Prop(body, "SkipNodeUpdate") is { ValueKind: JsonValueKind.True };
        if (!(skipNodeUpdate && _nodes.ContainsKey(node)))
        {
            if (Str(body, "Address") is not { Length: > 0 } address)
            {
                return "Must provide address if SkipNodeUpdate is not set";
            }

            var meta = Prop(body, "NodeMeta") is { ValueKind: JsonValueKind.Object } m ? m.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString() ?? string.Empty) : [];
            SetNodeLocked(node, address, meta, Str(body, "ID"), index);
        }

        if (Prop(body, "Service") is { ValueKind: JsonValueKind.Object } service && SetServiceLocked(node, service, index, touched, cas: false) is { } serviceError)
        {
            return serviceError;
        }

        var checks = new List<JsonElement>();
        if (Prop(body, "Check") is { ValueKind: JsonValueKind.Object } single)
        {
            checks.Add(single);
        }

        if (Prop(body, "Checks") is { ValueKind: JsonValueKind.Array } many)
        {
            checks.AddRange(many.EnumerateArray());
        }

        foreach (var check in checks)
        {
            if (SetCheckLocked(node, check, index, touched, cas: false) is { } checkError)
            {
                return checkError;
            }
        }

        return null;
    }

    private string? DeregisterLocked(JsonElement body, ulong index, HashSet<string> touched)
    {
        if (Str(body, "Node") is not { Length: > 0 } node)
        {
            return "Must provide node";
        }

        if (Str(body, "ServiceID") is { Length: > 0 } serviceId)
        {
            DeleteServiceLocked(node, serviceId, touched);
        }
        else if (Str(body, "CheckID") is { Length: > 0 } checkId)
        {
            DeleteCheckLocked(node, checkId, touched);
        }
        else
        {
            DeleteNodeLocked(node, touched);
        }

        _ = index;
        return null;
    }

    private void SetNodeLocked(string node, string address, Dictionary<string, string> meta, string? id, ulong index)
    {
        RecordLocked(_nodes, node);
        if (_nodes.TryGetValue(node, out var existing))
        {
            _nodes[node] = existing with { Address = address, Meta = meta, ModifyIndex = index };
            return;
        }

        _nodes[node] = new FakeNode(node, address, id ?? Guid.NewGuid().ToString(), index) { Meta = meta };
    }

    /// <summary>Sets a service from a catalog body (<c>Service</c>, <c>ID</c> defaulting to it, …); with <paramref name="cas"/>, as the <c>cas</c> verb.</summary>
    private string? SetServiceLocked(string node, JsonElement service, ulong index, HashSet<string> touched, bool cas)
    {
        if (!_nodes.ContainsKey(node))
        {
            return "Missing node registration";
        }

        var name = Str(service, "Service") ?? string.Empty;
        var id = Str(service, "ID") is { Length: > 0 } given ? given : name;
        if (id.Length == 0)
        {
            return "Must provide service name";
        }

        var meta = new Dictionary<string, string>(StringComparer.Ordinal);
        if (Prop(service, "Meta") is { ValueKind: JsonValueKind.Object } metaElement)
        {
            foreach (var entry in metaElement.EnumerateObject())
            {
                var value = entry.Value.GetString() ?? string.Empty;
                if (!Regex.IsMatch(entry.Name, "^[A-Za-z0-9_-]+$") || entry.Name.Length > 128 || entry.Name.StartsWith("consul-", StringComparison.Ordinal) || value.Length > 512)
                {
                    return $"Invalid service metadata: Couldn't load metadata pair ('{entry.Name}', '{value}')";
                }

                meta[entry.Name] = value;
            }

            if (meta.Count > 64)
            {
                return "Invalid service metadata: Node metadata cannot contain more than 64 key/value pairs";
            }
        }

        _services.TryGetValue((node, id), out var existing);
        if (cas)
        {
            var modifyIndex = Prop(service, "ModifyIndex") is { ValueKind: JsonValueKind.Number } number ? number.GetUInt64() : 0;
            if ((modifyIndex == 0 && existing is not null) || (modifyIndex != 0 && (existing is null || existing.ModifyIndex != modifyIndex)))
            {
                return $"failed to set service \"{id}\" on node \"{node}\", index is stale";
            }
        }

        var weights = Prop(service, "Weights");
        var spec = new FakeServiceSpec(id, name)
        {
            Address = Str(service, "Address") ?? string.Empty,
            Port = Prop(service, "Port") is { ValueKind: JsonValueKind.Number } port ? port.GetInt64() : 0,
            Tags = Prop(service, "Tags") is { ValueKind: JsonValueKind.Array } tags ? [.. tags.EnumerateArray().Select(t => t.GetString() ?? string.Empty)] : [],
            Meta = meta,
            PassingWeight = weights is { } w && Prop(w, "Passing") is { ValueKind: JsonValueKind.Number } passing ? passing.GetInt32() : 1,
            WarningWeight = weights is { } w2 && Prop(w2, "Warning") is { ValueKind: JsonValueKind.Number } warning ? warning.GetInt32() : 1,
        };
        if (existing is not null)
        {
            touched.Add(existing.Spec.Name);
        }

        UpsertServiceLocked(node, spec, index);
        touched.Add(name);
        return null;
    }

    private string? SetCheckLocked(string node, JsonElement check, ulong index, HashSet<string> touched, bool cas)
    {
        if (!_nodes.ContainsKey(node))
        {
            return "Missing node registration";
        }

        var checkId = Str(check, "CheckID") is { Length: > 0 } given ? given : Str(check, "Name") ?? string.Empty;
        if (checkId.Length == 0)
        {
            return "Missing check ID";
        }

        var serviceId = Str(check, "ServiceID") ?? string.Empty;
        FakeService? service = null;
        if (serviceId.Length > 0 && !_services.TryGetValue((node, serviceId), out service))
        {
            return "Missing service registration";
        }

        var status = Str(check, "Status") is { Length: > 0 } s ? s : "critical";
        if (status is not ("passing" or "warning" or "critical"))
        {
            return $"Invalid check status: \"{status}\"";
        }

        _checks.TryGetValue((node, checkId), out var existing);
        if (cas)
        {
            var modifyIndex = Prop(check, "ModifyIndex") is { ValueKind: JsonValueKind.Number } number ? number.GetUInt64() : 0;
            if ((modifyIndex == 0 && existing is not null) || (modifyIndex != 0 && (existing is null || existing.ModifyIndex != modifyIndex)))
            {
                return $"failed to set check \"{checkId}\" on node \"{node}\", index is stale";
            }
        }

        var created = new FakeCheck
        {
            Node = node,
            CheckId = checkId,
            Name = Str(check, "Name") ?? checkId,
            Status = status,
            Output = Str(check, "Output") ?? string.Empty,
            Notes = Str(check, "Notes") ?? string.Empty,
            ServiceId = serviceId,
            ServiceName = service?.Spec.Name ?? string.Empty,
            CreateIndex = existing?.CreateIndex ?? index,
            ModifyIndex = index,
        };
        RecordLocked(_checks, (node, checkId));
        _checks[(node, checkId)] = created;
        RecordCreatedLocked(created);
        if (existing is not null)
        {
            _replacedChecks.Add(existing);
        }

        foreach (var name in service is null ? ServicesOnLocked(node) : [service.Spec.Name])
        {
            touched.Add(name);
        }

        return null;
    }

    private void DeleteServiceLocked(string node, string id, HashSet<string> touched)
    {
        RecordLocked(_services, (node, id));
        if (!_services.Remove((node, id), out var service))
        {
            return;
        }

        touched.Add(service.Spec.Name);
        foreach (var key in _checks.Keys.Where(k => k.Node == node && _checks[k].ServiceId == id).ToList())
        {
            RecordLocked(_checks, key);
            _checks.Remove(key, out var check);
            _replacedChecks.Add(check!);
        }
    }

    private void DeleteCheckLocked(string node, string checkId, HashSet<string> touched)
    {
        RecordLocked(_checks, (node, checkId));
        if (_checks.Remove((node, checkId), out var check))
        {
            _replacedChecks.Add(check);
            foreach (var name in check.ServiceName.Length > 0 ? [check.ServiceName] : ServicesOnLocked(node))
            {
                touched.Add(name);
            }
        }
    }

    private void DeleteNodeLocked(string node, HashSet<string> touched)
    {
        foreach (var name in ServicesOnLocked(node))
        {
            touched.Add(name);
        }

        foreach (var key in _services.Keys.Where(k => k.Node == node).ToList())
        {
            RecordLocked(_services, key);
            _services.Remove(key);
        }

        foreach (var key in _checks.Keys.Where(k => k.Node == node).ToList())
        {
            RecordLocked(_checks, key);
            _checks.Remove(key, out var check);
            _replacedChecks.Add(check!);
        }

        RecordLocked(_nodes, node);
        _nodes.Remove(node);
    }

    private object RenderNodeServicesLocked(string node) =>
        _nodes.TryGetValue(node, out var found)
            ? new Dictionary<string, object?>
            {
                ["Node"] = RenderNode(found),
                ["Services"] = _services.Where(p => p.Key.Node == node).OrderBy(p => p.Key.Id, StringComparer.Ordinal).ToDictionary(p => p.Key.Id, p => RenderService(p.Value)),
            }
            : null!;

    private List<Dictionary<string, object?>> RenderNodeChecksLocked(string node) =>
        [.. _checks.Values.Where(c => c.Node == node).OrderBy(c => c.CheckId, StringComparer.Ordinal)
            .Select(c => RenderCheck(c, c.ServiceId.Length > 0 && _services.TryGetValue((node, c.ServiceId), out var s) ? s.Spec.Tags : []))];
}
