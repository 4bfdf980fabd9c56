using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Registry.Adapters.Consul.Tests.Fake;

/// <summary>
/// A Consul agent on Kestrel (127.0.0.1, port 0) that speaks the documented HTTP API: blocking queries that
/// hold until a change or <c>wait</c> (plus up to wait/16 jitter) on per-endpoint raft-style indexes,
/// <c>X-Consul-Index</c>/<c>KnownLeader</c>/<c>LastContact</c>, ACL tokens (403 <c>ACL not found</c>), agent
/// registration with TTL/HTTP checks (new checks start critical, TTL expiry on <see cref="Time"/>), maintenance
/// checks, node checks (<c>serfHealth</c>), and fault hooks (stop/restart on the same port, resets, 500s, bodies
/// cut short, slow answers, an index going backwards, malformed JSON).
/// </summary>
public sealed partial class FakeConsulServer : IAsyncDisposable
{
    /// <summary>The node the fake agent runs on; agent registrations land here.</summary>
    public const string AgentNode = "fake-agent";

    private readonly ConcurrentQueue<(string PathPrefix, FakeConsulFault Fault)> _faults = new();
    private WebApplication? _app;
    private CancellationTokenSource _stopping = new();

    private FakeConsulServer(TimeProvider time) => Time = time;

    /// <summary>The clock for <c>wait</c>, jitter-free timing and TTL expiry.</summary>
    public TimeProvider Time { get; }

    /// <summary>The listening port (kept across <see cref="StopAsync"/>/<see cref="StartAsync()"/>).</summary>
    public int Port { get; private set; }

    /// <summary>The agent's address.</summary>
    public Uri Address => new($"{(ServerCertificate is null ? "http" : "https")}://127.0.0.1:{Port}");

    /// <summary>Serve HTTPS with this certificate (set before <see cref="StartAsync()"/>).</summary>
    public X509Certificate2? ServerCertificate { get; set; }

    /// <summary>With HTTPS, require a client certificate (mutual TLS, as CF's agents do).</summary>
    public bool RequireClientCertificate { get; set; }

    /// <summary>The subject of the last client certificate presented.</summary>
    public string? LastClientCertificateSubject { get; private set; }

    /// <summary>When set, ACLs are on with default deny: requests need this token.</summary>
    public string? AclToken { get; set; }

    /// <summary>A 403 quotes the rejected token back (reason phrase and body), as a badly written proxy in front of the agent can.</summary>
    public bool EchoCredential { get; set; }

    /// <summary>Adds Consul's jitter (up to wait/16) to blocking waits. <value>The default value is <see langword="true"/>.</value></summary>
    public bool Jitter { get; set; } = true;

    /// <summary>Answer TTL updates of unknown checks as Consul before 1.11 did (500 "does not have associated TTL") instead of 404.</summary>
    public bool LegacyCheckErrors { get; set; }

    /// <summary>Every request received.</summary>
    public ConcurrentQueue<FakeConsulRequest> Requests { get; } = new();

    /// <summary>Blocking queries being held now.</summary>
    public int BlockingInFlight => Volatile.Read(ref _blockingInFlight);

    private int _blockingInFlight;
    private readonly ConcurrentDictionary<string, int> _inFlight = new(StringComparer.Ordinal);

    /// <summary>Blocking queries on <paramref name="path"/> being held now.</summary>
    public int InFlight(string path) => _inFlight.TryGetValue(path, out var n) ? n : 0;

    /// <summary>Starts a fake on a free port.</summary>
    public static async Task<FakeConsulServer> StartAsync(TimeProvider? time = null, string? aclToken = null, X509Certificate2? serverCertificate = null, bool requireClientCertificate = false)
    {
        var server = new FakeConsulServer(time ?? TimeProvider.System) { AclToken = aclToken, ServerCertificate = serverCertificate, RequireClientCertificate = requireClientCertificate };
        await server.StartAsync();
        return server;
    }

    /// <summary>Starts (or restarts, on the same port) the listener. State survives a restart.</summary>
    public async Task StartAsync()
    {
        if (_app is not null)
        {
            return;
        }

        _stopping = new CancellationTokenSource();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        if (ServerCertificate is { } certificate)
        {
            builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, Port, listen => listen.UseHttps(https =>
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
            builder.WebHost.UseUrls($"http://127.0.0.1:{Port}");
        }

        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(1));
        var app = builder.Build();
        app.Run(HandleAsync);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        Port = new Uri(address).Port;
        _app = app;
    }

    /// <summary>The agent goes down: the listener closes, held queries are cut. Connections are refused until <see cref="StartAsync()"/>.</summary>
    public async Task StopAsync()
    {
        if (_app is not { } app)
        {
            return;
        }

        _app = null;
        await _stopping.CancelAsync();
        await app.StopAsync();
        await app.DisposeAsync();
    }

    /// <summary>Queues a fault for the next request whose path starts with <paramref name="pathPrefix"/>.</summary>
    public void EnqueueFault(string pathPrefix, FakeConsulFault fault) => _faults.Enqueue((pathPrefix, fault));

    /// <summary>Every request whose path is exactly <paramref name="path"/> gets <paramref name="fault"/> until <see cref="Heal"/> (after the queued faults).</summary>
    public void FailAlways(string path, FakeConsulFault fault) => _persistent[path] = fault;

    /// <summary>Ends <see cref="FailAlways"/> for <paramref name="path"/>.</summary>
    public void Heal(string path) => _persistent.TryRemove(path, out _);

    private readonly ConcurrentDictionary<string, FakeConsulFault> _persistent = new(StringComparer.Ordinal);

    /// <summary>Requests whose path starts with <paramref name="prefix"/>.</summary>
    public int CountRequests(string prefix) => Requests.Count(r => r.Path.StartsWith(prefix, StringComparison.Ordinal));

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        lock (_gate)
        {
            foreach (var check in _checks.Values)
            {
                check.Dispose();
            }

            foreach (var session in _sessions.Values)
            {
                session.Timer?.Dispose();
            }
        }
    }

    private async Task HandleAsync(HttpContext context)
    {
        var request = new FakeConsulRequest(
            context.Request.Method,
            context.Request.Path.Value ?? "/",
            context.Request.QueryString.Value ?? string.Empty,
            context.Request.Headers.ContainsKey("X-Consul-Token"),
            context.Request.Query.ContainsKey("token"));
        Requests.Enqueue(request);
        if (context.Connection.ClientCertificate is { } clientCertificate)
        {
            LastClientCertificateSubject = clientCertificate.Subject;
        }

        var fault = TakeFault(request.Path);
        switch (fault?.Kind)
        {
            case FakeConsulFaultKind.Reset:
                context.Abort();
                return;
            case FakeConsulFaultKind.ServerError:
                context.Response.StatusCode = 500;
                await context.Response.WriteAsync("rpc error making call: No cluster leader");
                return;
            case FakeConsulFaultKind.CutShort:
                context.Response.StatusCode = 200;
                context.Response.ContentType = "application/json";
                context.Response.Headers["X-Consul-Index"] = CurrentIndex().ToString(System.Globalization.CultureInfo.InvariantCulture);
                context.Response.ContentLength = 4096;
                await context.Response.WriteAsync("[{\"Node\":{\"Node\":\"cut");
                await context.Response.Body.FlushAsync();
                context.Abort();
                return;
            case FakeConsulFaultKind.Malformed:
                context.Response.StatusCode = 200;
                context.Response.ContentType = "application/json";
                context.Response.Headers["X-Consul-Index"] = NextIndex().ToString(System.Globalization.CultureInfo.InvariantCulture);
                await context.Response.WriteAsync("[{\"Node\": {\"Node\": \"x\"}, \"Service\": ");
                return;
            case FakeConsulFaultKind.Oversized or FakeConsulFaultKind.OversizedChunked:
                await WriteOversizedAsync(context, request.Path, chunked: fault.Kind == FakeConsulFaultKind.OversizedChunked);
                return;
            case FakeConsulFaultKind.DeclaredOversized:
                context.Response.StatusCode = 200;
                context.Response.ContentType = "application/json";
                context.Response.ContentLength = 1024 * 1024;
                await context.Response.WriteAsync("{ ");
                await context.Response.Body.FlushAsync();
                try
                {
                    await Task.Delay(TimeSpan.FromSeconds(5), context.RequestAborted);
                }
                catch (OperationCanceledException)
                {
                }

                context.Abort();
                return;
            case FakeConsulFaultKind.StallBody:
                context.Response.StatusCode = 200;
                context.Response.ContentType = "application/json";
                context.Response.Headers["X-Consul-Index"] = NextIndex().ToString(System.Globalization.CultureInfo.InvariantCulture);
                context.Response.ContentLength = 4096;
                await context.Response.WriteAsync("[{\"Node\":");
                await context.Response.Body.FlushAsync();
                await HoldAsync(context);
                return;
            case FakeConsulFaultKind.StallHeaders:
                await HoldAsync(context);
                return;
            case FakeConsulFaultKind.Slow:
                await Task.Delay(fault.Delay, context.RequestAborted);
                break;
        }

        if (fault?.Kind == FakeConsulFaultKind.ZeroIndex)
        {
            context.Items["zero-index"] = true;
        }

        if (!Authorize(context, out var denial))
        {
            context.Response.StatusCode = 403;
            if (EchoCredential)
            {
                // A proxy in front of the agent that quotes the rejected token back, in the reason phrase and the body.
                var presented = context.Request.Headers["X-Consul-Token"].FirstOrDefault();
                context.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpResponseFeature>()!.ReasonPhrase = $"Forbidden: the ACL token presented by this client was {presented}";
                denial = $"{denial} (token {presented})";
            }

            await context.Response.WriteAsync(denial);
            return;
        }

        await DispatchAsync(context);
        Handled.Enqueue(request);
    }

    /// <summary>Holds the request until the client aborts it (or the fake stops), counting it in <see cref="Stalled"/>.</summary>
    private async Task HoldAsync(HttpContext context)
    {
        Interlocked.Increment(ref _stalled);
        try
        {
            await Task.Delay(Timeout.Infinite, context.RequestAborted);
        }
        catch (OperationCanceledException)
        {
        }

        context.Abort();
    }

    private int _stalled;

    /// <summary>The number of requests held by a stall fault so far.</summary>
    public int Stalled => Volatile.Read(ref _stalled);

    /// <summary>Valid JSON for the endpoint (<c>{}</c> for the catalog, <c>[]</c> for health), padded with whitespace to 64 KiB.</summary>
    private async Task WriteOversizedAsync(HttpContext context, string path, bool chunked)
    {
        const int size = 64 * 1024;
        var (open, close) = path.StartsWith("/v1/catalog/services", StringComparison.Ordinal) ? ('{', '}') : ('[', ']');
        var body = new byte[size];
        Array.Fill(body, (byte)' ');
        body[0] = (byte)open;
        body[^1] = (byte)close;
        context.Response.StatusCode = 200;
        context.Response.ContentType = "application/json";
        context.Response.Headers["X-Consul-Index"] = NextIndex().ToString(System.Globalization.CultureInfo.InvariantCulture);
        if (!chunked)
        {
            context.Response.ContentLength = size;
            await context.Response.Body.WriteAsync(body);
            return;
        }

        for (var offset = 0; offset < size; offset += 4096)
        {
            await context.Response.Body.WriteAsync(body.AsMemory(offset, 4096));
            await context.Response.Body.FlushAsync();
        }
    }

    /// <summary>Requests answered in full (state changed by then).</summary>
    public ConcurrentQueue<FakeConsulRequest> Handled { get; } = new();

    /// <summary>Requests answered in full whose path starts with <paramref name="prefix"/>.</summary>
    public int CountHandled(string prefix) => Handled.Count(r => r.Path.StartsWith(prefix, StringComparison.Ordinal));

    private FakeConsulFault? TakeFault(string path)
    {
        // Faults are consumed in order, by the first request that matches.
        var count = _faults.Count;
        for (var i = 0; i < count && _faults.TryDequeue(out var item); i++)
        {
            if (path.StartsWith(item.PathPrefix, StringComparison.Ordinal))
            {
                return item.Fault;
            }

            _faults.Enqueue(item);
        }

        return _persistent.TryGetValue(path, out var always) ? always : null;
    }

    private bool Authorize(HttpContext context, out string denial)
    {
        denial = string.Empty;
        if (AclToken is null)
        {
            return true;
        }

        string? token = context.Request.Headers["X-Consul-Token"].FirstOrDefault();
        if (string.IsNullOrEmpty(token) && context.Request.Headers.Authorization.FirstOrDefault() is { } auth && auth.StartsWith("Bearer ", StringComparison.Ordinal))
        {
            token = auth["Bearer ".Length..];
        }

        // Deprecated, but Consul still reads it; the client under test must never send it.
        token ??= context.Request.Query["token"].FirstOrDefault();
        if (string.IsNullOrEmpty(token))
        {
            denial = "Permission denied: anonymous token lacks permission 'service:read'. The anonymous token is used implicitly when a request does not specify a token.";
            return false;
        }

        if (!string.Equals(token, AclToken, StringComparison.Ordinal))
        {
            denial = "ACL not found";
            return false;
        }

        return true;
    }
}
