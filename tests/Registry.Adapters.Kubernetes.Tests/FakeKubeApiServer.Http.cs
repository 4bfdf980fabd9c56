using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace Registry.Adapters.Kubernetes.Tests;

public sealed partial class FakeKubeApiServer
{
    private async Task HandleAsync(HttpContext context)
    {
        var request = context.Request;
        _requests.Enqueue($"{request.Method} {request.Path}{request.QueryString}");
        if (Refuse)
        {
            context.Abort();
            return;
        }

        if (!TryRoute(request.Path.Value ?? string.Empty, out var route))
        {
            await WriteStatusAsync(context, 404, "NotFound", $"the server could not find the requested resource");
            return;
        }

        var authorization = request.Headers.Authorization.ToString();
        if (RequiredToken is not null && !string.Equals(authorization, $"Bearer {RequiredToken}", StringComparison.Ordinal))
        {
            // Some API servers and authenticating proxies quote the rejected credential back.
            await WriteStatusAsync(context, 401, "Unauthorized", EchoCredential ? $"Unauthorized: the token '{authorization.Replace("Bearer ", string.Empty, StringComparison.Ordinal)}' is not valid" : "Unauthorized");
            return;
        }

        var query = request.Query;
        var watch = query["watch"] is var w && (w == "1" || w == "true");
        var verb = request.Method switch
        {
            "GET" when route.Name is not null => "get",
            "GET" => watch ? "watch" : "list",
            "POST" => "create",
            "PUT" => "update",
            "PATCH" => "patch",
            "DELETE" => "delete",
            _ => request.Method.ToLowerInvariant(),
        };
        var resource = route.Resource.Resource;
        var ns = route.Namespace;
        _rbacRequests.Enqueue(new FakeKubeRequest(verb, route.Resource.Group, resource, ns, route.Name));
        if (_denied.ContainsKey((resource, verb)))
        {
            var scope = ns is null ? "at the cluster scope" : $"in the namespace \"{ns}\"";
            var named = route.Name is null ? string.Empty : $" \"{route.Name}\"";
            await WriteStatusAsync(context, 403, "Forbidden",
                $"{route.Resource.Qualified}{named} is forbidden: User \"{UserName}\" cannot {verb} resource \"{resource}\" in API group \"{route.Resource.Group}\" {scope}"
                + (EchoCredential ? $" (request authenticated by '{authorization}')" : string.Empty));
            return;
        }

        if (request.Method != "GET" || route.Name is not null)
        {
            await HandleWriteAsync(context, verb, route);
            return;
        }

        if (!LabelSelector.TryParse(query["labelSelector"], out var selector))
        {
            await WriteStatusAsync(context, 400, "BadRequest", $"unable to parse requirement: {query["labelSelector"]}");
            return;
        }

        if (watch)
        {
            await WatchAsync(context, resource, ns, selector);
        }
        else
        {
            await ListAsync(context, resource, ns, selector);
        }
    }

    /// <summary>A parsed request path: <c>/api/v1[/namespaces/{ns}]/{resource}[/{name}]</c> or <c>/apis/{group}/{version}/…</c>.</summary>
    private sealed record Route(FakeKubeResource Resource, string? Namespace, string? Name);

    private static bool TryRoute(string path, out Route route)
    {
        route = null!;
        var parts = path.Trim('/').Split('/');
        var (group, version, tail) = parts switch
        {
            ["api", "v1", .. var t] => ("", "v1", t),
            ["apis", var g, var v, .. var t] => (g, v, t),
            _ => ((string?)null, (string?)null, Array.Empty<string>()),
        };
        if (group is null)
        {
            return false;
        }

        var (ns, resource, name) = tail switch
        {
            [var r] => ((string?)null, r, (string?)null),
            ["namespaces", var n, var r] => (n, r, null),
            ["namespaces", var n, var r, var o] => (n, r, o),
            _ => (null, (string?)null, null),
        };
        var info = FakeKubeResource.All.FirstOrDefault(x => x.Resource == resource && x.Group == group && x.Version == version);
        if (info is null || (name is not null && ns is null))
        {
            return false;
        }

        route = new Route(info, ns, name);
        return true;
    }

    private async Task ListAsync(HttpContext context, string resource, string? ns, LabelSelector selector)
    {
        var query = context.Request.Query;
        var limit = int.TryParse(query["limit"], NumberStyles.None, CultureInfo.InvariantCulture, out var l) && l > 0 ? l : int.MaxValue;
        var (code, body) = List(resource, ns, selector, limit, query["continue"].ToString());
        await WriteJsonAsync(context, code, body);
    }

    private (int Code, string Body) List(string resource, string? ns, LabelSelector selector, int limit, string continueToken)
    {
        lock (_store.Gate)
        {
            var revision = _store.Revision;
            var start = string.Empty;
            if (!string.IsNullOrEmpty(continueToken))
            {
                if (CompactOnNextContinue)
                {
                    CompactOnNextContinue = false;
                    _store.CompactNow();
                }

                if (!TryDecodeContinue(continueToken, out revision, out start))
                {
                    return (400, Status(400, "BadRequest", "continue key is not valid: illegal base64 data").ToJsonString());
                }

                if (revision < _store.Compacted)
                {
                    var expired = ExpiredStatus("The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.");
                    expired["metadata"] = new JsonObject { ["continue"] = EncodeContinue(-1, start) };
                    return (410, expired.ToJsonString());
                }
            }

            var items = _store.StateAt(resource, revision)
                .Where(p => string.CompareOrdinal(p.Key, start) > 0 && Matches(p.Item, ns, selector))
                .ToList();
            var page = items.Take(limit).ToList();
            var metadata = new JsonObject { ["resourceVersion"] = revision.ToString(CultureInfo.InvariantCulture) };
            if (items.Count > page.Count)
            {
                metadata["continue"] = EncodeContinue(revision, page[^1].Key);
                metadata["remainingItemCount"] = items.Count - page.Count;
            }

            var array = new JsonArray();
            foreach (var (_, item) in page)
            {
                // List items carry no kind/apiVersion; only the list does.
                var copy = item.DeepClone().AsObject();
                copy.Remove("kind");
                copy.Remove("apiVersion");
                array.Add(copy);
            }

            return (200, new JsonObject
            {
                ["kind"] = FakeKubeResource.ByName(resource).Kind + "List",
                ["apiVersion"] = FakeKubeResource.ByName(resource).ApiVersion,
                ["metadata"] = metadata,
                ["items"] = array,
            }.ToJsonString());
        }
    }

    private async Task WatchAsync(HttpContext context, string resource, string? ns, LabelSelector selector)
    {
        var query = context.Request.Query;
        var requested = query["resourceVersion"].ToString();
        var bookmarks = query["allowWatchBookmarks"] == "true";
        var timeout = int.TryParse(query["timeoutSeconds"], NumberStyles.None, CultureInfo.InvariantCulture, out var t) && t > 0
            ? TimeSpan.FromSeconds(t)
            : TimeSpan.FromMinutes(30);
        var id = Interlocked.Increment(ref _nextWatch);
        var stream = new WatchStream(context, resource, ns, selector, bookmarks);
        string? expiredLine = null;
        lock (_store.Gate)
        {
            if (AlwaysExpireWatches)
            {
                expiredLine = StatusLine(ExpiredStatus($"too old resource version: {requested} ({_store.Revision})"));
            }
            else if (string.IsNullOrEmpty(requested) || requested == "0")
            {
                // "Get State and Start at Most Recent": synthetic ADDED for every current object.
                foreach (var (key, item) in _store.StateAt(resource, _store.Revision))
                {
                    stream.Offer(new HistoryEvent(_store.Revision, resource, "ADDED", key, item, null));
                }
            }
            else if (!long.TryParse(requested, NumberStyles.None, CultureInfo.InvariantCulture, out var from))
            {
                expiredLine = string.Empty;
            }
            else if (from < _store.Compacted)
            {
                expiredLine = StatusLine(ExpiredStatus($"too old resource version: {from} ({_store.Compacted})"));
            }
            else
            {
                foreach (var change in _store.Since(resource, from))
                {
                    stream.Offer(change);
                }
            }

            if (expiredLine is null)
            {
                _watches[id] = stream;
            }
        }

        if (expiredLine == string.Empty)
        {
            await WriteStatusAsync(context, 400, "BadRequest", $"invalid resource version: {requested}");
            return;
        }

        if (expiredLine is not null && Expiry == WatchExpiry.HttpGone)
        {
            await WriteJsonAsync(context, 410, ExpiredStatus($"too old resource version: {requested} ({_store.Compacted})").ToJsonString());
            return;
        }

        try
        {
            context.Response.StatusCode = 200;
            context.Response.ContentType = "application/json";
            await context.Response.StartAsync(context.RequestAborted);
            await context.Response.Body.FlushAsync(context.RequestAborted);
            if (expiredLine is not null)
            {
                await WriteLineAsync(context, expiredLine);
                return;
            }

            using var timeoutCts = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted);
            timeoutCts.CancelAfter(timeout);
            await foreach (var line in stream.Lines.ReadAllAsync(timeoutCts.Token))
            {
                await WriteLineAsync(context, line);
            }
        }
        catch (OperationCanceledException)
        {
            // timeoutSeconds elapsed (a clean end) or the connection went away.
        }
        catch (IOException)
        {
        }
        finally
        {
            _watches.TryRemove(id, out _);
        }
    }

    private static async Task WriteLineAsync(HttpContext context, string line)
    {
        await context.Response.Body.WriteAsync(Encoding.UTF8.GetBytes(line + "\n"), context.RequestAborted);
        await context.Response.Body.FlushAsync(context.RequestAborted);
    }

    internal static bool Matches(JsonObject item, string? ns, LabelSelector selector)
    {
        var metadata = item["metadata"];
        if (ns is not null && !string.Equals(metadata?["namespace"]?.GetValue<string>(), ns, StringComparison.Ordinal))
        {
            return false;
        }

        return selector.Matches(metadata?["labels"] as JsonObject);
    }

    internal static string BookmarkLine(string resource, long revision)
    {
        // Mostly zero-valued, as the Go server serializes it: only the resourceVersion means anything.
        var item = resource == Slices
            ? new JsonObject
            {
                ["kind"] = "EndpointSlice",
                ["apiVersion"] = "discovery.k8s.io/v1",
                ["metadata"] = new JsonObject { ["resourceVersion"] = revision.ToString(CultureInfo.InvariantCulture), ["creationTimestamp"] = null },
                ["addressType"] = string.Empty,
                ["endpoints"] = null,
                ["ports"] = null,
            }
            : resource != Services
            ? new JsonObject
            {
                ["kind"] = FakeKubeResource.ByName(resource).Kind,
                ["apiVersion"] = FakeKubeResource.ByName(resource).ApiVersion,
                ["metadata"] = new JsonObject { ["resourceVersion"] = revision.ToString(CultureInfo.InvariantCulture), ["creationTimestamp"] = null },
            }
            : new JsonObject
            {
                ["kind"] = "Service",
                ["apiVersion"] = "v1",
                ["metadata"] = new JsonObject { ["resourceVersion"] = revision.ToString(CultureInfo.InvariantCulture), ["creationTimestamp"] = null },
                ["spec"] = new JsonObject(),
                ["status"] = new JsonObject { ["loadBalancer"] = new JsonObject() },
            };
        return new JsonObject { ["type"] = "BOOKMARK", ["object"] = item }.ToJsonString();
    }

    internal static string StatusLine(JsonObject status) => new JsonObject { ["type"] = "ERROR", ["object"] = status }.ToJsonString();

    internal static JsonObject ExpiredStatus(string message) => Status(410, "Expired", message);

    internal static JsonObject Status(int code, string reason, string message) => new()
    {
        ["kind"] = "Status",
        ["apiVersion"] = "v1",
        ["metadata"] = new JsonObject(),
        ["status"] = "Failure",
        ["message"] = message,
        ["reason"] = reason,
        ["code"] = code,
    };

    internal static Task WriteStatusAsync(HttpContext context, int code, string reason, string message) =>
        WriteJsonAsync(context, code, Status(code, reason, message).ToJsonString());

    internal static async Task WriteJsonAsync(HttpContext context, int code, string body)
    {
        context.Response.StatusCode = code;
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(body, context.RequestAborted);
    }

    private static string EncodeContinue(long revision, string start) =>
        Convert.ToBase64String(JsonSerializer.SerializeToUtf8Bytes(new JsonObject { ["v"] = "meta.k8s.io/v1", ["rv"] = revision, ["start"] = start + "\u0000" }));

    private static bool TryDecodeContinue(string token, out long revision, out string start)
    {
        revision = 0;
        start = string.Empty;
        try
        {
            var json = JsonNode.Parse(Convert.FromBase64String(token))!;
            revision = json["rv"]!.GetValue<long>();
            start = json["start"]!.GetValue<string>().TrimEnd('\u0000');
            return true;
        }
        catch (Exception ex) when (ex is FormatException or JsonException or NullReferenceException or InvalidOperationException)
        {
            return false;
        }
    }
}
