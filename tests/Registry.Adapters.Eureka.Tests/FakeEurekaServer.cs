using System.Collections.Concurrent;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Registry.Adapters.Eureka.Tests;

/// <summary>A request the fake received.</summary>
public sealed record FakeEurekaRequest(string Method, string Path, string Query, string? Accept, string? Authorization);

/// <summary>
/// A Eureka server on Kestrel (127.0.0.1, port 0) that behaves as Spring Cloud's Eureka server does on the wire:
/// <c>/eureka/apps</c>, <c>/eureka/apps/delta</c> (recently-changed queue kept for a retention window, served
/// repeatedly), register (204), renew (200, or 404 when the lease is unknown or the client's dirty timestamp is newer),
/// cancel, status overrides, lease expiry on a <see cref="TimeProvider"/> (with Eureka's doubled-duration quirk), the
/// apps hash code, XML unless the <c>Accept</c> header contains <c>json</c>, optional basic auth, and fault hooks.
/// </summary>
public sealed partial class FakeEurekaServer : IAsyncDisposable
{
    private readonly TimeProvider _time;
    private WebApplication? _app;
    private int _gzipResponses;

    private FakeEurekaServer(TimeProvider time) => _time = time;

    /// <summary>The base URL clients use (<c>http://127.0.0.1:port/eureka/</c>), without credentials.</summary>
    public string BaseUrl { get; private set; } = string.Empty;

    /// <summary>The port the fake listens on.</summary>
    public int Port { get; private set; }

    /// <summary>Responses sent gzipped (the client asked with <c>Accept-Encoding: gzip</c>).</summary>
    public int GzipResponses => Volatile.Read(ref _gzipResponses);

    /// <summary>Every request received, in order.</summary>
    public ConcurrentQueue<FakeEurekaRequest> Requests { get; } = new();

    /// <summary>The certificate the fake serves HTTPS with; plain HTTP when <see langword="null"/>.</summary>
    public X509Certificate2? ServerCertificate { get; private init; }

    /// <summary>Whether the TLS handshake demands a client certificate (mutual TLS), as a Eureka behind an mTLS gateway does.</summary>
    public bool RequireClientCertificate { get; private init; }

    /// <summary>The subject of the last client certificate presented.</summary>
    public string? LastClientCertificateSubject { get; private set; }

    /// <summary>Basic-auth credentials the fake demands (401 otherwise); <see langword="null"/> for none.</summary>
    public (string User, string Password)? Credentials { get; set; }

    /// <summary>Answers every request with this status (e.g. 500) while set.</summary>
    public int? FailWithStatus { get; set; }

    /// <summary>Cuts every response body short (half of it, then the connection is aborted) while set.</summary>
    public bool CutShortBodies { get; set; }

    /// <summary>Answers <c>apps/delta</c> with 403, as a server with <c>disableDelta</c> does.</summary>
    public bool DeltaDisabled { get; set; }

    /// <summary>Speaks the legacy XStream-JSON codec: one-element lists as bare objects, <c>overriddenstatus</c>, numbers as strings.</summary>
    public bool LegacyJson { get; set; }

    /// <summary>How long changes stay in the recently-changed queue served by <c>apps/delta</c>. <value>The default value is 3 minutes.</value></summary>
    public TimeSpan RetentionWindow { get; set; } = TimeSpan.FromMinutes(3);

    /// <summary>Handles a request before the fake does (return <see langword="true"/> when handled): for malformed bodies and the like.</summary>
    public Func<HttpContext, Task<bool>>? Intercept { get; set; }

    /// <summary>Number of requests received for a path suffix (<c>apps</c>, <c>apps/delta</c>) with a method.</summary>
    public int CountRequests(string method, string pathSuffix) =>
        Requests.Count(r => r.Method == method && r.Path.EndsWith("/eureka/" + pathSuffix, StringComparison.Ordinal));

    /// <summary>Starts a fake on a free port (or on <paramref name="port"/>, to come back on the same address after <see cref="StopAsync"/>).</summary>
    public static async Task<FakeEurekaServer> StartAsync(TimeProvider? time = null, int port = 0, X509Certificate2? serverCertificate = null, bool requireClientCertificate = false)
    {
        var server = new FakeEurekaServer(time ?? TimeProvider.System) { ServerCertificate = serverCertificate, RequireClientCertificate = requireClientCertificate };
        await server.StartOnAsync(port);
        return server;
    }

    /// <summary>The service URL with user info, when <see cref="Credentials"/> are set.</summary>
    public string UrlWithCredentials(string user, string password) =>
        BaseUrl.Replace("://", $"://{Uri.EscapeDataString(user)}:{Uri.EscapeDataString(password)}@", StringComparison.Ordinal);

    /// <summary>Stops listening (connections are refused) and keeps the registry.</summary>
    public async Task StopAsync()
    {
        if (_app is { } app)
        {
            _app = null;
            await app.StopAsync();
            await app.DisposeAsync();
        }
    }

    /// <summary>Listens again on the same port, with the registry as it was.</summary>
    public Task RestartAsync() => _app is null ? StartOnAsync(Port) : Task.CompletedTask;

    public async ValueTask DisposeAsync() => await StopAsync();

    /// <summary>The header peers set on server-to-server calls (<c>PeerEurekaNode.HEADER_REPLICATION</c>); a client never sends it.</summary>
    public const string ReplicationHeader = "x-netflix-discovery-replication";

    private int _replicationRequests;

    /// <summary>Requests that carried <see cref="ReplicationHeader"/> (a client posing as a peer: the server would not replicate its writes).</summary>
    public int ReplicationRequests => Volatile.Read(ref _replicationRequests);

    private async Task StartOnAsync(int port)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        if (ServerCertificate is { } certificate)
        {
            builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, port, listen => listen.UseHttps(https =>
            {
                https.ServerCertificate = certificate;
                if (RequireClientCertificate)
                {
                    https.ClientCertificateMode = ClientCertificateMode.RequireCertificate;
                    https.AllowAnyClientCertificate();
                }
            })));
        }
        else
        {
            builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        }

        var app = builder.Build();
        app.Use(async (context, next) =>
        {
            if (context.Connection.ClientCertificate is { } clientCertificate)
            {
                LastClientCertificateSubject = clientCertificate.Subject;
            }

            if (context.Request.Headers.ContainsKey(ReplicationHeader))
            {
                Interlocked.Increment(ref _replicationRequests);
            }

            Requests.Enqueue(new FakeEurekaRequest(
                context.Request.Method,
                context.Request.Path.Value ?? string.Empty,
                context.Request.QueryString.Value ?? string.Empty,
                context.Request.Headers.Accept.ToString() is { Length: > 0 } accept ? accept : null,
                context.Request.Headers.Authorization.ToString() is { Length: > 0 } auth ? auth : null));
            if (Credentials is { } credentials && !Authorized(context, credentials))
            {
                context.Response.StatusCode = StatusCodes.Status401Unauthorized;
                context.Response.Headers.WWWAuthenticate = "Basic realm=\"Realm\"";
                return;
            }

            if (FailWithStatus is { } status)
            {
                context.Response.StatusCode = status;
                await context.Response.WriteAsync("simulated failure");
                return;
            }

            if (Intercept is { } intercept && await intercept(context))
            {
                return;
            }

            await next(context);
        });
        MapRoutes(app);
        await app.StartAsync();
        _app = app;
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        Port = new Uri(address).Port;
        BaseUrl = $"{(ServerCertificate is null ? "http" : "https")}://127.0.0.1:{Port}/eureka/";
    }

    private static bool Authorized(HttpContext context, (string User, string Password) credentials)
    {
        var expected = "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes($"{credentials.User}:{credentials.Password}"));
        return string.Equals(context.Request.Headers.Authorization.ToString(), expected, StringComparison.Ordinal);
    }

    private void MapRoutes(WebApplication app)
    {
        app.MapGet("/eureka/apps", context => WriteAsync(context, FullDocument()));
        app.MapGet("/eureka/apps/delta", context => DeltaDisabled
            ? Text(context, HttpStatusCode.Forbidden, string.Empty)
            : WriteAsync(context, DeltaDocument()));
        app.MapGet("/eureka/apps/{app}", (HttpContext context, string app) =>
            ApplicationDocument(app) is { } doc ? WriteAsync(context, doc) : Text(context, HttpStatusCode.NotFound, string.Empty));
        app.MapGet("/eureka/apps/{app}/{id}", (HttpContext context, string app, string id) =>
            InstanceDocument(app, id) is { } doc ? WriteAsync(context, doc) : Text(context, HttpStatusCode.NotFound, string.Empty));
        app.MapPost("/eureka/apps/{app}", RegisterAsync);
        app.MapPut("/eureka/apps/{app}/{id}", (HttpContext context, string app, string id) =>
            Respond(context, Renew(app, id, context.Request.Query["lastDirtyTimestamp"].ToString())));
        app.MapDelete("/eureka/apps/{app}/{id}", (HttpContext context, string app, string id) =>
            Respond(context, Cancel(app, id) ? HttpStatusCode.OK : HttpStatusCode.NotFound));
        app.MapPut("/eureka/apps/{app}/{id}/status", (HttpContext context, string app, string id) =>
        {
            var value = context.Request.Query["value"].ToString();
            return GetInstance(app, id) is null ? Respond(context, HttpStatusCode.NotFound)
                : !IsStatus(value) ? Respond(context, HttpStatusCode.InternalServerError)
                : Respond(context, OverrideStatus(app, id, value) ? HttpStatusCode.OK : HttpStatusCode.NotFound);
        });
        app.MapDelete("/eureka/apps/{app}/{id}/status", (HttpContext context, string app, string id) =>
        {
            var value = context.Request.Query["value"].ToString();
            return GetInstance(app, id) is null ? Respond(context, HttpStatusCode.NotFound)
                : value.Length > 0 && !IsStatus(value) ? Respond(context, HttpStatusCode.InternalServerError)
                : Respond(context, RemoveOverride(app, id, value) ? HttpStatusCode.OK : HttpStatusCode.NotFound);
        });
    }

    private async Task RegisterAsync(HttpContext context, string app)
    {
        if (!(context.Request.ContentType ?? string.Empty).Contains("json", StringComparison.OrdinalIgnoreCase))
        {
            await Text(context, HttpStatusCode.UnsupportedMediaType, "the fake accepts JSON registrations only");
            return;
        }

        JsonObject? instance;
        try
        {
            instance = (await JsonNode.ParseAsync(context.Request.Body))?["instance"] as JsonObject;
        }
        catch (System.Text.Json.JsonException)
        {
            instance = null;
        }

        var error = instance is null ? "Cannot read instance" : Register(app, instance);
        await (error is null ? Respond(context, HttpStatusCode.NoContent) : Text(context, HttpStatusCode.BadRequest, error));
    }

    private Task WriteAsync(HttpContext context, JsonObject document)
    {
        // As ApplicationsResource: JSON only when the Accept header contains "json"; XML otherwise.
        var json = context.Request.Headers.Accept.ToString().Contains("json", StringComparison.OrdinalIgnoreCase);
        return json
            ? Write(context, HttpStatusCode.OK, "application/json", RenderJson(document))
            : Write(context, HttpStatusCode.OK, "application/xml", RenderXml(document));
    }

    private static Task Respond(HttpContext context, HttpStatusCode status)
    {
        context.Response.StatusCode = (int)status;
        return Task.CompletedTask;
    }

    private Task Text(HttpContext context, HttpStatusCode status, string text) => Write(context, status, "text/plain", text);

    private async Task Write(HttpContext context, HttpStatusCode status, string contentType, string body)
    {
        var bytes = Encoding.UTF8.GetBytes(body);
        if (status == HttpStatusCode.OK && context.Request.Headers.AcceptEncoding.ToString().Contains("gzip", StringComparison.OrdinalIgnoreCase))
        {
            // As ApplicationsResource: gzip when the client accepts it.
            using var compressed = new MemoryStream();
            using (var gzip = new System.IO.Compression.GZipStream(compressed, System.IO.Compression.CompressionLevel.Fastest, leaveOpen: true))
            {
                gzip.Write(bytes);
            }

            bytes = compressed.ToArray();
            context.Response.Headers.ContentEncoding = "gzip";
            Interlocked.Increment(ref _gzipResponses);
        }

        context.Response.StatusCode = (int)status;
        context.Response.ContentType = contentType;
        context.Response.ContentLength = bytes.Length;
        if (CutShortBodies && bytes.Length > 1)
        {
            await context.Response.Body.WriteAsync(bytes.AsMemory(0, bytes.Length / 2));
            await context.Response.Body.FlushAsync();
            context.Abort();
            return;
        }

        await context.Response.Body.WriteAsync(bytes);
    }
}
