using System.Net;
using System.Net.Sockets;

namespace Registry.Adapters.Backends;

/// <summary>
/// Sockets for registry connections with TCP keep-alive on, so a peer that vanished (a node powered off, a NAT entry
/// dropped) fails the connection within about a minute instead of leaving a long poll or a watch waiting for ever.
/// </summary>
public static class BackendSockets
{
    /// <summary>Idle time before the first keep-alive probe: 30 seconds.</summary>
    public static readonly TimeSpan KeepAliveTime = TimeSpan.FromSeconds(30);

    /// <summary>Time between unanswered probes: 10 seconds.</summary>
    public static readonly TimeSpan KeepAliveInterval = TimeSpan.FromSeconds(10);

    /// <summary>Unanswered probes before the connection is dropped: 3.</summary>
    public const int KeepAliveRetryCount = 3;

    /// <summary>
    /// A <see cref="SocketsHttpHandler"/> with TCP keep-alive, HTTP/2 keep-alive pings, a 10-second connect timeout and
    /// connections recycled every 5 minutes (DNS changes are seen).
    /// </summary>
    /// <param name="decompression">The encodings to accept and inflate (the size cap of <see cref="GuardedHttpHandler"/> counts inflated bytes).</param>
    /// <returns>The handler; configure TLS on <see cref="SocketsHttpHandler.SslOptions"/>.</returns>
    public static SocketsHttpHandler CreateHandler(DecompressionMethods decompression = DecompressionMethods.None)
    {
        var handler = new SocketsHttpHandler
        {
            ConnectTimeout = TimeSpan.FromSeconds(10),
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
            AutomaticDecompression = decompression,
        };
        EnableTcpKeepAlive(handler);
        return handler;
    }

    /// <summary>Turns on TCP keep-alive (and HTTP/2 pings) for the connections <paramref name="handler"/> opens, unless it already has a connect callback.</summary>
    /// <param name="handler">The handler.</param>
    public static void EnableTcpKeepAlive(SocketsHttpHandler handler)
    {
        ArgumentNullException.ThrowIfNull(handler);
        handler.KeepAlivePingDelay = KeepAliveTime;
        handler.KeepAlivePingTimeout = KeepAliveInterval * KeepAliveRetryCount;
        handler.KeepAlivePingPolicy = HttpKeepAlivePingPolicy.Always;
        handler.ConnectCallback ??= ConnectAsync;
    }

    /// <summary>Sets the keep-alive options on a TCP socket.</summary>
    /// <param name="socket">The socket.</param>
    public static void EnableTcpKeepAlive(Socket socket)
    {
        ArgumentNullException.ThrowIfNull(socket);
        socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.KeepAlive, true);
        socket.SetSocketOption(SocketOptionLevel.Tcp, SocketOptionName.TcpKeepAliveTime, (int)KeepAliveTime.TotalSeconds);
        socket.SetSocketOption(SocketOptionLevel.Tcp, SocketOptionName.TcpKeepAliveInterval, (int)KeepAliveInterval.TotalSeconds);
        socket.SetSocketOption(SocketOptionLevel.Tcp, SocketOptionName.TcpKeepAliveRetryCount, KeepAliveRetryCount);
    }

    private static async ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, CancellationToken cancellationToken)
    {
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            EnableTcpKeepAlive(socket);
            await socket.ConnectAsync(context.DnsEndPoint, cancellationToken).ConfigureAwait(false);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }
}
