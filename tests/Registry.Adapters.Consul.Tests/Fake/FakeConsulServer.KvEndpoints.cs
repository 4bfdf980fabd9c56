using System.Globalization;
using Microsoft.AspNetCore.Http;

namespace Registry.Adapters.Consul.Tests.Fake;

// /v1/kv as the agent serves it (hashicorp/consul agent/kvs_endpoint.go, api-docs/kv.mdx): GET of one key (404 when
// missing, X-Consul-Index on every answer, blocking until that key changes), ?recurse and ?keys (&separator) over a prefix
// (404 when empty), ?raw; PUT with ?flags, ?cas, ?acquire, ?release (at most one of the last three, else 400), a body of at
// most 512 KiB (413), answering true/false; DELETE with ?recurse or ?cas. An acquire under lock-delay answers false.
public sealed partial class FakeConsulServer
{
    /// <summary>Consul's default kv_max_value_size.</summary>
    public const int MaxKvValueSize = 512 * 1024;

    private Task KvAsync(HttpContext context, string method, string key) => method switch
    {
        "GET" => KvGetAsync(context, key),
        "PUT" => KvPutAsync(context, key),
        "DELETE" => KvDeleteAsync(context, key),
        _ => MethodNotAllowed(context, method),
    };

    private async Task KvGetAsync(HttpContext context, string key)
    {
        var query = context.Request.Query;
        var recurse = query.ContainsKey("recurse");
        var keysOnly = query.ContainsKey("keys");
        if (!recurse && !keysOnly && key.Length == 0)
        {
            await WriteTextAsync(context, 400, "Missing key name");
            return;
        }

        if (await ParseBlockingAsync(context) is not { } blocking)
        {
            return;
        }

        var prefix = recurse || keysOnly;
        if (blocking.MinIndex > 0)
        {
            bool unchanged;
            lock (_gate)
            {
                // Consul answers at once when the reported index is past the client's; else it waits on the key (or prefix).
                unchanged = (prefix ? KvPrefixIndexLocked(key) : _kvIndex) <= blocking.MinIndex;
            }

            if (unchanged && !await BlockAsync(context, blocking.Wait, () => (prefix ? KvPrefixIndexLocked(key) : KvKeyIndexLocked(key)) <= blocking.MinIndex))
            {
                return;
            }
        }

        object? body;
        ulong index;
        FakeKvEntry? single = null;
        lock (_gate)
        {
            index = Math.Max(1, prefix ? KvPrefixIndexLocked(key) : _kvIndex);
            var entries = _kv.Values.Where(e => prefix ? e.Key.StartsWith(key, StringComparison.Ordinal) : e.Key == key).ToList();
            single = prefix ? null : entries.FirstOrDefault();
            if (entries.Count == 0)
            {
                body = null;
            }
            else if (keysOnly)
            {
                var separator = query["separator"].ToString();
                body = entries.Select(e => Collapse(e.Key, key, separator)).Distinct(StringComparer.Ordinal).ToArray();
            }
            else
            {
                body = entries.Select(e => RenderKv(e)).ToArray();
            }
        }

        context.Response.Headers["X-Consul-Index"] = index.ToString(CultureInfo.InvariantCulture);
        context.Response.Headers["X-Consul-KnownLeader"] = "true";
        context.Response.Headers["X-Consul-LastContact"] = "0";
        if (body is null)
        {
            context.Response.StatusCode = 404;
            return;
        }

        if (query.ContainsKey("raw") && single is not null)
        {
            await context.Response.Body.WriteAsync(single.Value ?? []);
            return;
        }

        await WriteJsonAsync(context, body, index);
    }

    private static string Collapse(string key, string prefix, string separator)
    {
        if (separator.Length == 0)
        {
            return key;
        }

        var at = key.IndexOf(separator, prefix.Length, StringComparison.Ordinal);
        return at < 0 ? key : key[..(at + separator.Length)];
    }

    private async Task KvPutAsync(HttpContext context, string key)
    {
        var query = context.Request.Query;
        if (key.Length == 0)
        {
            await WriteTextAsync(context, 400, "Missing key name");
            return;
        }

        if (ConflictingFlags(context, "cas", "acquire", "release") is { } conflict)
        {
            await WriteTextAsync(context, 400, conflict);
            return;
        }

        ulong flags = 0;
        if (query.TryGetValue("flags", out var flagsText) && !ulong.TryParse(flagsText.ToString(), NumberStyles.None, CultureInfo.InvariantCulture, out flags))
        {
            await WriteTextAsync(context, 400, "Invalid flags");
            return;
        }

        ulong cas = 0;
        if (query.TryGetValue("cas", out var casText) && !ulong.TryParse(casText.ToString(), NumberStyles.None, CultureInfo.InvariantCulture, out cas))
        {
            await WriteTextAsync(context, 400, "Invalid cas index");
            return;
        }

        if (context.Request.ContentLength > MaxKvValueSize)
        {
            await WriteTextAsync(context, 413, $"Request body({context.Request.ContentLength} bytes) too large, max size: {MaxKvValueSize} bytes. See https://developer.hashicorp.com/docs/agent/config/config-files#kv_max_value_size.");
            return;
        }

        using var buffer = new MemoryStream();
        await context.Request.Body.CopyToAsync(buffer);
        if (buffer.Length > MaxKvValueSize)
        {
            await WriteTextAsync(context, 413, $"Request body({buffer.Length} bytes) too large, max size: {MaxKvValueSize} bytes.");
            return;
        }

        var entry = new FakeKvEntry(key) { Value = buffer.ToArray(), Flags = flags };
        bool ok;
        string? error = null;
        lock (_gate)
        {
            var index = _index + 1;
            if (query.ContainsKey("acquire"))
            {
                // kvs_endpoint.go: the leader refuses a lock during lock-delay before it reaches raft.
                (ok, error) = InLockDelayLocked(key) ? (false, null) : KvLockLocked(entry with { Session = query["acquire"].ToString() }, index);
            }
            else if (query.ContainsKey("release"))
            {
                (ok, error) = KvUnlockLocked(entry with { Session = query["release"].ToString() }, index);
            }
            else if (query.ContainsKey("cas"))
            {
                ok = KvCasLocked(entry, cas, index);
            }
            else
            {
                KvSetLocked(entry, index, updateSession: false);
                ok = true;
            }

            if (ok)
            {
                _index = index;
                SignalLocked();
            }
        }

        if (error is not null)
        {
            await WriteTextAsync(context, 500, error);
            return;
        }

        await WriteJsonAsync(context, ok, index: null);
    }

    private async Task KvDeleteAsync(HttpContext context, string key)
    {
        var query = context.Request.Query;
        if (ConflictingFlags(context, "recurse", "cas") is { } conflict)
        {
            await WriteTextAsync(context, 400, conflict);
            return;
        }

        var recurse = query.ContainsKey("recurse");
        if (key.Length == 0 && !recurse)
        {
            await WriteTextAsync(context, 400, "Missing key name");
            return;
        }

        ulong cas = 0;
        if (query.TryGetValue("cas", out var casText) && !ulong.TryParse(casText.ToString(), NumberStyles.None, CultureInfo.InvariantCulture, out cas))
        {
            await WriteTextAsync(context, 400, "Invalid cas index");
            return;
        }

        bool ok;
        lock (_gate)
        {
            var index = _index + 1;
            bool changed;
            if (recurse)
            {
                changed = KvDeleteTreeLocked(key, index);
                ok = true;
            }
            else if (query.ContainsKey("cas"))
            {
                var existed = _kv.ContainsKey(key);
                ok = KvDeleteCasLocked(key, cas, index);
                changed = ok && existed;
            }
            else
            {
                changed = KvDeleteLocked(key, index);
                ok = true;
            }

            if (changed)
            {
                _index = index;
                SignalLocked();
            }
        }

        await WriteJsonAsync(context, ok, index: null);
    }

    /// <summary>agent/kvs_endpoint.go conflictingFlags: more than one of <paramref name="flags"/> is a 400.</summary>
    private static string? ConflictingFlags(HttpContext context, params string[] flags)
    {
        var present = flags.Where(f => context.Request.Query.ContainsKey(f)).ToList();
        return present.Count > 1 ? "Conflicting flags: " + string.Join("&", flags.Select(f => f + "=")) : null;
    }
}
