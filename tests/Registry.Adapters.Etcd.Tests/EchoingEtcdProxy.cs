using System.Buffers.Binary;
using Etcdserverpb;
using Google.Protobuf;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Registry.Adapters.Etcd.Tests;

/// <summary>
/// A gRPC endpoint on loopback (HTTP/2 cleartext, etcd's wire) that behaves as a badly written authenticating proxy in
/// front of etcd: it mints a token for <c>Authenticate</c> (or rejects it), and answers every other call with
/// <c>PERMISSION_DENIED</c> whose message quotes the credentials it saw — the password and the <c>token</c> header.
/// </summary>
internal sealed class EchoingEtcdProxy : IAsyncDisposable
{
    private readonly WebApplication _app;
    private string _password = string.Empty;

    private EchoingEtcdProxy(WebApplication app) => _app = app;

    /// <summary>The token minted for a successful <c>Authenticate</c>.</summary>
    public string Token { get; } = "proxy-minted-token-" + Guid.NewGuid().ToString("N");

    /// <summary>Reject <c>Authenticate</c> itself (quoting the password) instead of minting a token.</summary>
    public bool RejectAuthenticate { get; set; }

    /// <summary>More text every denial quotes (a proxy dumping what it holds, e.g. a client key it was given).</summary>
    public string EchoText { get; set; } = string.Empty;

    /// <summary>The number of calls answered.</summary>
    public int Calls => _calls;

    private int _calls;

    public string Url { get; private set; } = string.Empty;

    public static async Task<EchoingEtcdProxy> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(System.Net.IPAddress.Loopback, 0, l => l.Protocols = HttpProtocols.Http2));
        var app = builder.Build();
        var proxy = new EchoingEtcdProxy(app);
        app.Run(proxy.HandleAsync);
        await app.StartAsync();
        proxy.Url = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return proxy;
    }

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();

    private async Task HandleAsync(HttpContext context)
    {
        Interlocked.Increment(ref _calls);
        using var body = new MemoryStream();
        await context.Request.Body.CopyToAsync(body, context.RequestAborted);
        context.Response.ContentType = "application/grpc";
        if (context.Request.Path == "/etcdserverpb.Auth/Authenticate")
        {
            var request = AuthenticateRequest.Parser.ParseFrom(body.GetBuffer().AsSpan(5, (int)body.Length - 5));
            _password = request.Password;
            if (RejectAuthenticate)
            {
                Fail(context, 3, $"etcdserver: authentication failed, invalid user ID or password (user {request.Name}, password '{request.Password}')");
                return;
            }

            var reply = new AuthenticateResponse { Header = new ResponseHeader { ClusterId = 1, MemberId = 1, Revision = 1, RaftTerm = 1 }, Token = Token }.ToByteArray();
            var frame = new byte[5 + reply.Length];
            BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(1), (uint)reply.Length);
            reply.CopyTo(frame, 5);
            await context.Response.Body.WriteAsync(frame, context.RequestAborted);
            context.Response.AppendTrailer("grpc-status", "0");
            return;
        }

        Fail(context, 7, $"etcdserver: permission denied for token '{context.Request.Headers["token"]}' (the password was '{_password}') {EchoText}");
    }

    /// <summary>A trailers-only gRPC error: the status and its (percent-encoded) message in the headers.</summary>
    private static void Fail(HttpContext context, int status, string message)
    {
        context.Response.Headers["grpc-status"] = status.ToString(System.Globalization.CultureInfo.InvariantCulture);
        context.Response.Headers["grpc-message"] = Uri.EscapeDataString(message);
    }
}
