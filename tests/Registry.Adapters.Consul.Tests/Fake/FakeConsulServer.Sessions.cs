using System.Globalization;
using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace Registry.Adapters.Consul.Tests.Fake;

// Sessions as the agent and servers handle them (hashicorp/consul agent/session_endpoint.go, agent/consul/session_endpoint.go,
// session_ttl.go, state/session.go): create defaults to the agent's node, the serfHealth check, a 15 s lock-delay and
// Behavior release, and a Checks/NodeChecks/ServiceChecks key in the body replaces the default checks; a numeric or string
// LockDelay under 1000 is read as seconds; a TTL outside [10s, 86400s] and an unknown Behavior are RPC errors (500); the
// node must exist and no check may be critical; the server invalidates a TTL session SessionTTLMultiplier (2) × TTL after
// its last renewal; a node check turning critical invalidates too; renew of a gone session is 404.
public sealed partial class FakeConsulServer
{
    /// <summary>Consul's SessionTTLMultiplier: a TTL session is invalidated this many TTLs after its last renewal.</summary>
    public const int SessionTtlMultiplier = 2;

    private static readonly TimeSpan SessionTtlMin = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan SessionTtlMax = TimeSpan.FromHours(24);
    private readonly Dictionary<string, FakeSession> _sessions = new(StringComparer.Ordinal);
    private ulong _sessionIndex = 1;
    private int _sessionsInvalidated;

    /// <summary>A session as stored, or <see langword="null"/> when it does not exist (any more).</summary>
    public FakeSessionInfo? GetSession(string id)
    {
        lock (_gate)
        {
            return _sessions.TryGetValue(id, out var session) ? session.Info : null;
        }
    }

    /// <summary>The sessions that exist now.</summary>
    public IReadOnlyList<FakeSessionInfo> ListSessions()
    {
        lock (_gate)
        {
            return [.. _sessions.Values.Select(s => s.Info)];
        }
    }

    /// <summary>Sessions invalidated by their TTL or a critical check so far (not counting destroys).</summary>
    public int SessionsInvalidated => Volatile.Read(ref _sessionsInvalidated);

    /// <summary>Invalidates a session as the servers would (an operator's <c>consul session destroy</c>).</summary>
    public void InvalidateSession(string id)
    {
        lock (_gate)
        {
            DestroySessionLocked(id);
        }
    }

    private async Task SessionAsync(HttpContext context, string method, string path)
    {
        if (path == "/v1/session/create")
        {
            await (method == "PUT" ? SessionCreateAsync(context) : MethodNotAllowed(context, method));
            return;
        }

        if (path.StartsWith("/v1/session/destroy/", StringComparison.Ordinal))
        {
            var destroyId = Rest(path, "/v1/session/destroy/");
            if (method != "PUT")
            {
                await MethodNotAllowed(context, method);
                return;
            }

            if (destroyId is null)
            {
                await WriteTextAsync(context, 400, "Missing session");
                return;
            }

            lock (_gate)
            {
                DestroySessionLocked(destroyId);
            }

            await WriteJsonAsync(context, true, index: null);
            return;
        }

        if (Rest(path, "/v1/session/renew/") is { } renewId)
        {
            if (method != "PUT")
            {
                await MethodNotAllowed(context, method);
                return;
            }

            object? renewed = null;
            ulong index;
            lock (_gate)
            {
                index = _sessionIndex;
                if (_sessions.TryGetValue(renewId, out var session))
                {
                    session.Timer?.Change(session.Info.Ttl * SessionTtlMultiplier, Timeout.InfiniteTimeSpan);
                    renewed = new[] { RenderSession(session.Info) };
                }
            }

            if (renewed is null)
            {
                await WriteTextAsync(context, 404, $"Session id '{renewId}' not found");
                return;
            }

            await WriteJsonAsync(context, renewed, index);
            return;
        }

        if (method != "GET")
        {
            await MethodNotAllowed(context, method);
            return;
        }

        if (Rest(path, "/v1/session/info/") is { } infoId)
        {
            await BlockingReadAsync(context, () => _sessionIndex, () => _sessions.TryGetValue(infoId, out var s) ? new[] { RenderSession(s.Info) } : []);
        }
        else if (Rest(path, "/v1/session/node/") is { } node)
        {
            await BlockingReadAsync(context, () => _sessionIndex, () => _sessions.Values.Where(s => s.Info.Node == node).Select(s => RenderSession(s.Info)).ToArray());
        }
        else if (path == "/v1/session/list")
        {
            await BlockingReadAsync(context, () => _sessionIndex, () => _sessions.Values.Select(s => RenderSession(s.Info)).ToArray());
        }
        else
        {
            await WriteTextAsync(context, 400, "Missing session");
        }
    }

    private static Task MethodNotAllowed(HttpContext context, string method) => WriteTextAsync(context, 405, $"method {method} not allowed");

    private async Task SessionCreateAsync(HttpContext context)
    {
        JsonElement body = default;
        if (context.Request.ContentLength is > 0 || context.Request.Headers.TransferEncoding.Count > 0)
        {
            try
            {
                using var document = await JsonDocument.ParseAsync(context.Request.Body);
                body = document.RootElement.Clone();
            }
            catch (JsonException ex)
            {
                await WriteTextAsync(context, 400, "Request decode failed: " + ex.Message);
                return;
            }
        }

        if (ParseSession(body) is not { } request)
        {
            await WriteTextAsync(context, 400, "Request decode failed: invalid LockDelay, TTL or checks");
            return;
        }

        string? error;
        string id = Guid.NewGuid().ToString();
        lock (_gate)
        {
            error = CreateSessionLocked(id, request);
        }

        if (error is not null)
        {
            // An error of the Session.Apply RPC comes back as a 500 with its text.
            await WriteTextAsync(context, 500, error);
            return;
        }

        await WriteJsonAsync(context, new { ID = id }, index: null);
    }

    private static FakeSessionInfo? ParseSession(JsonElement body)
    {
        var info = new FakeSessionInfo { Id = string.Empty, Node = AgentNode, NodeChecks = ["serfHealth"], LockDelay = TimeSpan.FromSeconds(15), Behavior = "release" };
        if (body.ValueKind == JsonValueKind.Undefined)
        {
            return info;
        }

        if (body.ValueKind != JsonValueKind.Object)
        {
            return null;
        }

        if (Prop(body, "LockDelay") is { } lockDelay)
        {
            double nanoseconds;
            if (lockDelay.ValueKind == JsonValueKind.String && TryParseGoDuration(lockDelay.GetString()!, out var parsed))
            {
                nanoseconds = parsed.Ticks * 100.0;
            }
            else if (lockDelay.ValueKind == JsonValueKind.Number)
            {
                nanoseconds = lockDelay.GetDouble();
            }
            else
            {
                return null;
            }

            // agent/session_endpoint.go FixupLockDelay: values under 1000 (ns) are taken as seconds.
            info = info with { LockDelay = nanoseconds < 1000 ? TimeSpan.FromSeconds(nanoseconds) : TimeSpan.FromTicks((long)(nanoseconds / 100)) };
        }

        var checkKeys = new[] { "Checks", "NodeChecks", "ServiceChecks" };
        if (checkKeys.Any(k => Prop(body, k) is not null))
        {
            var nodeChecks = new List<string>();
            foreach (var key in new[] { "Checks", "NodeChecks" })
            {
                if (Prop(body, key) is { ValueKind: JsonValueKind.Array } checks)
                {
                    nodeChecks.AddRange(checks.EnumerateArray().Select(c => c.GetString() ?? string.Empty));
                }
            }

            info = info with { NodeChecks = [.. nodeChecks.Distinct(StringComparer.Ordinal)] };
        }

        return info with
        {
            Name = Str(body, "Name") ?? string.Empty,
            Node = Str(body, "Node") is { Length: > 0 } node ? node : AgentNode,
            Behavior = Str(body, "Behavior") ?? string.Empty,
            TtlText = Str(body, "TTL") ?? string.Empty,
        };
    }

    private string? CreateSessionLocked(string id, FakeSessionInfo request)
    {
        var behavior = request.Behavior.Length == 0 ? "release" : request.Behavior;
        if (behavior is not ("release" or "delete"))
        {
            return $"Invalid Behavior setting '{request.Behavior}'";
        }

        var ttl = TimeSpan.Zero;
        if (request.TtlText.Length > 0)
        {
            if (!TryParseGoDuration(request.TtlText, out ttl))
            {
                return $"Session TTL '{request.TtlText}' invalid: time: invalid duration \"{request.TtlText}\"";
            }

            if (ttl != TimeSpan.Zero && (ttl < SessionTtlMin || ttl > SessionTtlMax))
            {
                return string.Create(CultureInfo.InvariantCulture, $"Invalid Session TTL '{ttl.Ticks * 100}', must be between [10s=24h0m0s]");
            }
        }

        var index = _index + 1;
        if (request.Node == AgentNode)
        {
            // The agent's own node is always in the catalog (with its serfHealth check).
            EnsureNodeLocked(AgentNode, "127.0.0.1", index);
        }

        if (!_nodes.ContainsKey(request.Node))
        {
            return "Missing node registration";
        }

        foreach (var checkId in request.NodeChecks)
        {
            if (!_checks.TryGetValue((request.Node, checkId), out var check))
            {
                return $"Missing check '{checkId}' registration";
            }

            if (check.Status == "critical")
            {
                return $"Check '{checkId}' is in critical state";
            }
        }

        _index = index;
        _sessionIndex = index;
        var info = request with { Id = id, Behavior = behavior, Ttl = ttl, CreateIndex = index, ModifyIndex = index };
        var session = new FakeSession { Info = info };
        if (ttl > TimeSpan.Zero)
        {
            session.Timer = Time.CreateTimer(_ => ExpireSession(id, session), null, ttl * SessionTtlMultiplier, Timeout.InfiniteTimeSpan);
        }

        _sessions[id] = session;
        SignalLocked();
        return null;
    }

    private void ExpireSession(string id, FakeSession session)
    {
        lock (_gate)
        {
            if (_sessions.TryGetValue(id, out var current) && ReferenceEquals(current, session))
            {
                Interlocked.Increment(ref _sessionsInvalidated);
                DestroySessionLocked(id);
            }
        }
    }

    /// <summary>A check went critical or away: the sessions that depend on it are invalidated (state/session.go).</summary>
    private void InvalidateSessionsOfCheckLocked(string node, string checkId)
    {
        foreach (var session in _sessions.Values.Where(s => s.Info.Node == node && s.Info.NodeChecks.Contains(checkId)).ToList())
        {
            Interlocked.Increment(ref _sessionsInvalidated);
            DestroySessionLocked(session.Info.Id);
        }
    }

    private void DestroySessionLocked(string id)
    {
        if (!_sessions.Remove(id, out var session))
        {
            return;
        }

        session.Timer?.Dispose();
        var index = NextIndexLocked();
        _sessionIndex = index;
        var delay = session.Info.LockDelay > MaxLockDelay ? MaxLockDelay : session.Info.LockDelay;
        var now = Time.GetUtcNow();
        foreach (var entry in _kv.Values.Where(e => e.Session == id).ToList())
        {
            if (session.Info.Behavior == "delete")
            {
                KvDeleteLocked(entry.Key, index);
            }
            else
            {
                KvSetLocked(entry with { Session = null }, index, updateSession: true);
            }

            if (delay > TimeSpan.Zero)
            {
                _lockDelays[entry.Key] = now + delay;
            }
        }

        SignalLocked();
    }

    private static Dictionary<string, object?> RenderSession(FakeSessionInfo info) => new()
    {
        ["ID"] = info.Id,
        ["Name"] = info.Name,
        ["Node"] = info.Node,
        ["LockDelay"] = info.LockDelay.Ticks * 100,
        ["Behavior"] = info.Behavior,
        ["TTL"] = info.TtlText,
        ["NodeChecks"] = info.NodeChecks,
        ["ServiceChecks"] = null,
        ["CreateIndex"] = info.CreateIndex,
        ["ModifyIndex"] = info.ModifyIndex,
    };

    private sealed class FakeSession
    {
        public required FakeSessionInfo Info { get; init; }

        public ITimer? Timer { get; set; }
    }
}

/// <summary>A session as the servers store it.</summary>
public sealed record FakeSessionInfo
{
    public required string Id { get; init; }

    public string Name { get; init; } = string.Empty;

    public required string Node { get; init; }

    public required IReadOnlyList<string> NodeChecks { get; init; }

    public required TimeSpan LockDelay { get; init; }

    public required string Behavior { get; init; }

    /// <summary>The TTL as sent (<c>"10s"</c>), empty for none.</summary>
    public string TtlText { get; init; } = string.Empty;

    public TimeSpan Ttl { get; init; }

    public ulong CreateIndex { get; init; }

    public ulong ModifyIndex { get; init; }
}
