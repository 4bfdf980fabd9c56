using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Threading.Channels;

namespace Registry.Adapters.Tests.Backends;

/// <summary>
/// An HTTP/1.1 server on loopback that answers at the byte level, so it can misbehave as a broken server or proxy can:
/// never send headers, send headers and stall the body, send a gzip bomb.
/// </summary>
internal sealed class RawHttpServer : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly Func<Stream, CancellationToken, Task> _respond;
    private readonly CancellationTokenSource _stop = new();
    private readonly Channel<string> _requests = Channel.CreateUnbounded<string>();
    private readonly List<Task> _connections = [];
    private readonly Task _accept;

    public RawHttpServer(Func<Stream, CancellationToken, Task> respond)
    {
        _respond = respond;
        _listener.Start();
        _accept = AcceptAsync();
    }

    public Uri BaseAddress => new($"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}/");

    /// <summary>Waits for the next request line the server received.</summary>
    public async Task<string> NextRequestAsync() => await _requests.Reader.ReadAsync(new CancellationTokenSource(TimeSpan.FromSeconds(30)).Token);

    public static Task WriteAsync(Stream stream, string text, CancellationToken cancellationToken) =>
        stream.WriteAsync(Encoding.ASCII.GetBytes(text), cancellationToken).AsTask();

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        try
        {
            await _accept;
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException or OperationCanceledException)
        {
        }

        Task[] running;
        lock (_connections)
        {
            running = [.. _connections];
        }

        await Task.WhenAll(running.Select(static t => t.ContinueWith(static _ => { }, TaskScheduler.Default)));
        _stop.Dispose();
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            var client = await _listener.AcceptTcpClientAsync(_stop.Token);
            lock (_connections)
            {
                _connections.Add(ServeAsync(client));
            }
        }
    }

    private async Task ServeAsync(TcpClient client)
    {
        using (client)
        {
            var stream = client.GetStream();
            try
            {
                var line = await ReadHeadAsync(stream, _stop.Token);
                _requests.Writer.TryWrite(line);
                await _respond(stream, _stop.Token);
            }
            catch (Exception ex) when (ex is IOException or OperationCanceledException or SocketException or ObjectDisposedException)
            {
            }
        }
    }

    private static async Task<string> ReadHeadAsync(Stream stream, CancellationToken cancellationToken)
    {
        var head = new StringBuilder();
        var one = new byte[1];
        while (!head.ToString().EndsWith("\r\n\r\n", StringComparison.Ordinal))
        {
            if (await stream.ReadAsync(one, cancellationToken) == 0)
            {
                throw new IOException("closed");
            }

            head.Append((char)one[0]);
        }

        return head.ToString().Split("\r\n")[0];
    }
}
