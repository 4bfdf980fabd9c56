using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http;

namespace Registry.Adapters.Consul.Tests.Fake;

public sealed partial class FakeConsulServer
{
    private static readonly TimeSpan DefaultWait = TimeSpan.FromMinutes(5);
    private static readonly TimeSpan MaxWait = TimeSpan.FromMinutes(10);

    private Task DispatchAsync(HttpContext context)
    {
        var path = context.Request.Path.Value ?? "/";
        var method = context.Request.Method;
        if (method == "GET" && path == "/v1/catalog/services")
        {
            return BlockingReadAsync(context, () => _catalogIndex, RenderCatalogLocked);
        }

        if (method == "GET" && Rest(path, "/v1/health/service/") is { } healthName)
        {
            var tags = context.Request.Query["tag"].Where(t => t is not null).Select(t => t!).ToArray();
            var passing = context.Request.Query.TryGetValue("passing", out var p) && (p.Count == 0 || string.IsNullOrEmpty(p[0]) || bool.TryParse(p[0], out var b) && b || p[0] == "1");
            return BlockingReadAsync(context, () => ServiceIndexLocked(healthName), () => RenderHealthLocked(healthName, tags, passing));
        }

        if (method == "GET" && Rest(path, "/v1/catalog/service/") is { } catalogName)
        {
            return BlockingReadAsync(context, () => ServiceIndexLocked(catalogName), () => RenderCatalogServiceLocked(catalogName));
        }

        if (method == "GET" && Rest(path, "/v1/catalog/node/") is { } nodeName)
        {
            return BlockingReadAsync(context, () => _catalogIndex, () => RenderNodeServicesLocked(nodeName));
        }

        if (method == "GET" && Rest(path, "/v1/health/node/") is { } checksNode)
        {
            return BlockingReadAsync(context, () => _index, () => RenderNodeChecksLocked(checksNode));
        }

        if (path is "/v1/catalog/register" or "/v1/catalog/deregister" or "/v1/txn")
        {
            return method == "PUT" ? CatalogWriteAsync(context, path) : WriteTextAsync(context, 405, $"method {method} not allowed");
        }

        if (path.StartsWith("/v1/session/", StringComparison.Ordinal))
        {
            return SessionAsync(context, method, path);
        }

        if (path.StartsWith("/v1/kv/", StringComparison.Ordinal) || path == "/v1/kv")
        {
            return KvAsync(context, method, path.Length > "/v1/kv/".Length ? path["/v1/kv/".Length..] : string.Empty);
        }

        if (path.StartsWith("/v1/agent/", StringComparison.Ordinal))
        {
            return AgentAsync(context, method, path);
        }

        context.Response.StatusCode = 404;
        return Task.CompletedTask;
    }

    private static string? Rest(string path, string prefix) =>
        path.StartsWith(prefix, StringComparison.Ordinal) && path.Length > prefix.Length ? path[prefix.Length..] : null;

    private ulong ServiceIndexLocked(string name) => _serviceIndexes.TryGetValue(name, out var index) ? index : _catalogIndex;

    private async Task BlockingReadAsync(HttpContext context, Func<ulong> indexLocked, Func<object> renderLocked)
    {
        if (await ParseBlockingAsync(context) is not { } blocking)
        {
            return;
        }

        if (blocking.MinIndex > 0 && !await BlockAsync(context, blocking.Wait, () => indexLocked() == blocking.MinIndex))
        {
            return;
        }

        object body;
        ulong index;
        lock (_gate)
        {
            index = Math.Max(1, indexLocked());
            body = renderLocked();
        }

        if (context.Items.ContainsKey("zero-index"))
        {
            index = 0;
        }

        await WriteJsonAsync(context, body, index);
    }

    /// <summary>The <c>index</c> and <c>wait</c> of a read (400 and <see langword="null"/> when malformed); wait capped at 10 minutes.</summary>
    private static async Task<(ulong MinIndex, TimeSpan Wait)?> ParseBlockingAsync(HttpContext context)
    {
        var query = context.Request.Query;
        ulong minIndex = 0;
        if (query.TryGetValue("index", out var indexText) && !ulong.TryParse(indexText.ToString(), NumberStyles.None, CultureInfo.InvariantCulture, out minIndex))
        {
            await WriteTextAsync(context, 400, "Invalid index");
            return null;
        }

        var wait = DefaultWait;
        if (query.TryGetValue("wait", out var waitText) && !TryParseGoDuration(waitText.ToString(), out wait))
        {
            await WriteTextAsync(context, 400, "Invalid wait time");
            return null;
        }

        return (minIndex, wait > MaxWait ? MaxWait : wait);
    }

    /// <summary>Holds a blocking query while <paramref name="unchangedLocked"/> holds, up to wait plus jitter; false when the client or the fake went away.</summary>
    private async Task<bool> BlockAsync(HttpContext context, TimeSpan wait, Func<bool> unchangedLocked)
    {
        // Consul adds a random jitter of up to wait/16 so that many clients do not wake together.
        var hold = wait + (Jitter ? TimeSpan.FromTicks((long)(Random.Shared.NextDouble() * (wait.Ticks / 16))) : TimeSpan.Zero);
        Interlocked.Increment(ref _blockingInFlight);
        var path = context.Request.Path.Value ?? "/";
        _inFlight.AddOrUpdate(path, 1, (_, n) => n + 1);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, _stopping.Token);
        try
        {
            var timeout = Task.Delay(hold, Time, linked.Token);
            while (true)
            {
                Task signal;
                lock (_gate)
                {
                    if (!unchangedLocked())
                    {
                        break;
                    }

                    signal = _changed.Task;
                }

                if (await Task.WhenAny(signal, timeout) == timeout)
                {
                    break;
                }
            }
        }
        finally
        {
            Interlocked.Decrement(ref _blockingInFlight);
            _inFlight.AddOrUpdate(path, 0, (_, n) => n - 1);
        }

        if (linked.IsCancellationRequested)
        {
            context.Abort();
            return false;
        }

        return true;
    }

    private async Task WriteJsonAsync(HttpContext context, object body, ulong? index)
    {
        if (index is { } value)
        {
            context.Response.Headers["X-Consul-Index"] = value.ToString(CultureInfo.InvariantCulture);
            context.Response.Headers["X-Consul-KnownLeader"] = "true";
            context.Response.Headers["X-Consul-LastContact"] = "0";
        }

        context.Response.Headers["X-Consul-Default-ACL-Policy"] = AclToken is null ? "allow" : "deny";
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(JsonSerializer.Serialize(body));
    }

    private static async Task WriteTextAsync(HttpContext context, int status, string text)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "text/plain; charset=utf-8";
        await context.Response.WriteAsync(text);
    }

    /// <summary>Parses a Go duration (<c>300000ms</c>, <c>5m</c>, <c>1m30s</c>), as Consul's <c>wait</c> does.</summary>
    internal static bool TryParseGoDuration(string text, out TimeSpan duration)
    {
        duration = TimeSpan.Zero;
        if (text == "0")
        {
            return true;
        }

        var matches = GoDuration().Matches(text);
        if (matches.Count == 0 || string.Concat(matches.Select(m => m.Value)) != text)
        {
            return false;
        }

        foreach (Match match in matches)
        {
            var value = double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
            duration += match.Groups[2].Value switch
            {
                "ns" => TimeSpan.FromTicks((long)(value / 100)),
                "us" or "µs" => TimeSpan.FromTicks((long)(value * 10)),
                "ms" => TimeSpan.FromMilliseconds(value),
                "s" => TimeSpan.FromSeconds(value),
                "m" => TimeSpan.FromMinutes(value),
                _ => TimeSpan.FromHours(value),
            };
        }

        return true;
    }

    [GeneratedRegex(@"(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)")]
    private static partial Regex GoDuration();
}
