using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using k8s;
using k8s.Models;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Registry.Adapters.Kubernetes.Tests;

/// <summary>How the fake reports a watch from a compacted resourceVersion.</summary>
public enum WatchExpiry
{
    /// <summary>HTTP 200, then an ERROR event carrying a Status with code 410, then the stream ends (the watch-cache path).</summary>
    InBandError,

    /// <summary>HTTP 410 Gone with a Status body (the path served from etcd).</summary>
    HttpGone,
}

/// <summary>
/// A Kubernetes API server on Kestrel (127.0.0.1, port 0) for EndpointSlices (<c>discovery.k8s.io/v1</c>) and
/// Services (<c>v1</c>), faithful to ../shared/wire/kubernetes.md: paged lists with a constant resourceVersion and
/// continue tokens (expired → HTTP 410), chunked newline-delimited watch streams from a resourceVersion (replay,
/// BOOKMARK, in-band ERROR 410 or HTTP 410 when compacted, <c>timeoutSeconds</c>), label selectors, bearer tokens
/// (401) and RBAC denials (403) with the API server's Status bodies, and failure switches (drop, refuse).
/// </summary>
public sealed partial class FakeKubeApiServer : IAsyncDisposable
{
    internal const string Slices = "endpointslices";
    internal const string Services = "services";

    private readonly FakeKubeStore _store = new();
    private readonly ConcurrentDictionary<int, WatchStream> _watches = new();
    private readonly ConcurrentDictionary<(string Resource, string Verb), bool> _denied = new();
    private readonly ConcurrentQueue<string> _requests = new();
    private readonly ConcurrentQueue<FakeKubeRequest> _rbacRequests = new();
    private readonly Dictionary<string, FakeKubeFieldOwners> _owners = new(StringComparer.Ordinal);
    private WebApplication? _app;
    private int _nextWatch;
    private int _nextClusterIp;

    private FakeKubeApiServer()
    {
    }

    /// <summary>The server's base address (<c>http://127.0.0.1:port/</c>).</summary>
    public Uri Url { get; private set; } = null!;

    /// <summary>The bearer token every request must carry; <see langword="null"/> accepts any. <value>The default value is <c>fake-token</c>.</value></summary>
    public string? RequiredToken { get; set; } = FakeKubeconfig.Token;

    /// <summary>A 401 quotes the rejected token back in its Status message, and a 403 the Authorization header, as some servers and proxies do.</summary>
    public bool EchoCredential { get; set; }

    /// <summary>The user a 403 names.</summary>
    public string UserName { get; set; } = "system:serviceaccount:default:mesh-sync";

    /// <summary>How a too-old watch version is reported.</summary>
    public WatchExpiry Expiry { get; set; } = WatchExpiry.InBandError;

    /// <summary>While set, every watch is answered as expired (per <see cref="Expiry"/>), however fresh its version (a server stuck saying Expired).</summary>
    public bool AlwaysExpireWatches { get; set; }

    /// <summary>While set, every request's connection is aborted (the server is unreachable).</summary>
    public bool Refuse { get; set; }

    /// <summary>
    /// When set, history beyond this many events is compacted as writes go (a long benchmark would otherwise keep
    /// every version of every object). <value>The default value is <see langword="null"/>: compact only when told.</value>
    /// </summary>
    public int? HistoryLimit { get; set; }

    /// <summary>When set, the next list request with a continue token first compacts history, so that token has expired.</summary>
    public bool CompactOnNextContinue { get; set; }

    /// <summary>Requests served, as <c>GET path?query</c>.</summary>
    public IReadOnlyList<string> Requests => [.. _requests];

    /// <summary>Requests served, as RBAC authorizes them (verb, group, resource, namespace, name).</summary>
    public IReadOnlyList<FakeKubeRequest> RbacRequests => [.. _rbacRequests];

    /// <summary>Watch streams open now.</summary>
    public int OpenWatches => _watches.Count;

    /// <summary>The current global revision.</summary>
    public long Revision
    {
        get
        {
            lock (_store.Gate)
            {
                return _store.Revision;
            }
        }
    }

    public static async Task<FakeKubeApiServer> StartAsync()
    {
        var server = new FakeKubeApiServer();
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        app.Run(server.HandleAsync);
        await app.StartAsync();
        server._app = app;
        server.Url = new Uri(app.Urls.First().TrimEnd('/') + "/");
        return server;
    }

    /// <summary>Creates or replaces an EndpointSlice.</summary>
    public void PutSlice(V1EndpointSlice slice) => Put(Slices, ToJson(slice, "EndpointSlice", "discovery.k8s.io/v1"));

    /// <summary>Creates or replaces an EndpointSlice given as raw JSON (for quirks the model cannot express).</summary>
    public void PutSliceJson(string json) => Put(Slices, JsonNode.Parse(json)!.AsObject());

    /// <summary>Creates or replaces a Service.</summary>
    public void PutService(V1Service service) => Put(Services, ToJson(service, "Service", "v1"));

    public bool DeleteSlice(string ns, string name) => Delete(Slices, $"{ns}/{name}");

    public bool DeleteService(string ns, string name) => Delete(Services, $"{ns}/{name}");

    /// <summary>Compacts history up to now: every older resourceVersion and continue token is gone.</summary>
    public void Compact()
    {
        lock (_store.Gate)
        {
            _store.CompactNow();
        }
    }

    /// <summary>Compacts, then ends every open watch so that clients come back with a version that is now too old.</summary>
    public void CompactAndCloseWatches()
    {
        Compact();
        CloseWatches();
    }

    /// <summary>Sends an in-band ERROR 410 on every open watch, then ends them (a watcher that fell behind the cache).</summary>
    public void ExpireWatches()
    {
        lock (_store.Gate)
        {
            var line = StatusLine(ExpiredStatus($"too old resource version: {_store.Compacted} ({_store.Revision})"));
            foreach (var watch in _watches.Values)
            {
                watch.Send(line);
                watch.Close();
            }
        }
    }

    /// <summary>Ends every open watch cleanly, as <c>timeoutSeconds</c> or a restarting API server does.</summary>
    public void CloseWatches()
    {
        foreach (var watch in _watches.Values)
        {
            watch.Close();
        }
    }

    /// <summary>Drops every open watch connection (a reset, not a clean end).</summary>
    public void DropConnections()
    {
        foreach (var watch in _watches.Values)
        {
            watch.Abort();
        }
    }

    /// <summary>Sends a BOOKMARK at the current revision on every open watch that asked for bookmarks.</summary>
    public void SendBookmarks()
    {
        lock (_store.Gate)
        {
            foreach (var watch in _watches.Values.Where(static w => w.Bookmarks))
            {
                watch.Send(BookmarkLine(watch.Resource, _store.Revision));
            }
        }
    }

    /// <summary>Writes a raw line on every open watch of a resource (malformed input tests).</summary>
    public void SendRawLine(string resource, string line)
    {
        foreach (var watch in _watches.Values.Where(w => w.Resource == resource))
        {
            watch.Send(line);
        }
    }

    /// <summary>Makes RBAC deny <paramref name="verb"/> (<c>list</c>, <c>watch</c>) on a resource (<c>endpointslices</c>, <c>services</c>).</summary>
    public void Deny(string resource, string verb) => _denied[(resource, verb)] = true;

    /// <summary>Lifts every denial.</summary>
    public void AllowAll() => _denied.Clear();

    public async ValueTask DisposeAsync()
    {
        foreach (var watch in _watches.Values)
        {
            watch.Abort();
        }

        if (_app is not null)
        {
            using var stopCts = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await _app.StopAsync(stopCts.Token);
            await _app.DisposeAsync();
        }
    }

    internal static JsonObject ToJson(object item, string kind, string apiVersion)
    {
        var json = JsonNode.Parse(KubernetesJson.Serialize(item))!.AsObject();
        json["kind"] = kind;
        json["apiVersion"] = apiVersion;
        return json;
    }

    /// <summary>Creates or replaces any served object (as another client would, owning no applied fields).</summary>
    public void PutObject(string resource, JsonObject item) => Put(resource, item);

    private void Put(string resource, JsonObject item)
    {
        if (resource == Slices)
        {
            // Go's non-omitempty fields: an empty slice is "endpoints": null, "ports": null on the wire.
            item["endpoints"] ??= null;
            item["ports"] ??= null;
            item["addressType"] ??= "IPv4";
        }

        item["kind"] ??= FakeKubeResource.ByName(resource).Kind;
        item["apiVersion"] ??= FakeKubeResource.ByName(resource).ApiVersion;
        lock (_store.Gate)
        {
            Publish(_store.Put(resource, item));
            if (HistoryLimit is { } limit)
            {
                _store.CompactKeeping(limit);
            }
        }
    }

    private bool Delete(string resource, string key)
    {
        lock (_store.Gate)
        {
            var deleted = _store.Delete(resource, key);
            if (deleted is not null)
            {
                Publish(deleted);
            }

            return deleted is not null;
        }
    }

    private void Publish(HistoryEvent change)
    {
        foreach (var watch in _watches.Values)
        {
            watch.Offer(change);
        }
    }
}
