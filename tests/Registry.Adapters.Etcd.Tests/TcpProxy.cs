using System.Net;
using System.Net.Sockets;

namespace Registry.Adapters.Etcd.Tests;

/// <summary>
/// A loopback TCP proxy in front of etcd, so a test can cut the registry off (drop its connections and refuse new
/// ones) while etcd keeps running and others change it, then let the registry back in; or stall it (connections stay
/// open, but no byte goes through in either direction until <see cref="Unstall"/>), as a hung network does.
/// </summary>
public sealed class TcpProxy : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly int _target;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Socket> _open = [];
    private readonly Task _accept;
    private volatile bool _paused;
    private TaskCompletionSource _flowing = Flowing();
    private int _held;

    public TcpProxy(int targetPort)
    {
        _target = targetPort;
        _listener.Start();
        _accept = Task.Run(AcceptLoopAsync);
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    public string Url => $"http://127.0.0.1:{Port}";

    /// <summary>Drops every open connection and refuses new ones until <see cref="Resume"/>.</summary>
    public void Pause()
    {
        _paused = true;
        lock (_open)
        {
            foreach (var socket in _open)
            {
                try
                {
                    socket.LingerState = new LingerOption(true, 0);
                    socket.Close();
                }
                catch (ObjectDisposedException)
                {
                }
            }

            _open.Clear();
        }
    }

    public void Resume() => _paused = false;

    /// <summary>How many reads (from either side) the stall has held back so far.</summary>
    public int Held => Volatile.Read(ref _held);

    /// <summary>Holds every byte in both directions on every connection (open or new) until <see cref="Unstall"/>.</summary>
    public void Stall()
    {
        lock (_open)
        {
            if (_flowing.Task.IsCompleted)
            {
                _flowing = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            }
        }
    }

    /// <summary>Lets the held bytes and everything after them through again.</summary>
    public void Unstall()
    {
        lock (_open)
        {
            _flowing.TrySetResult();
        }
    }

    private static TaskCompletionSource Flowing()
    {
        var source = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        source.SetResult();
        return source;
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        Pause();
        try
        {
            await _accept;
        }
        catch (Exception)
        {
        }

        _stop.Dispose();
    }

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await _listener.AcceptSocketAsync(_stop.Token);
            }
            catch (Exception)
            {
                return;
            }

            if (_paused)
            {
                client.LingerState = new LingerOption(true, 0);
                client.Close();
                continue;
            }

            _ = Task.Run(() => PipeAsync(client));
        }
    }

    private async Task PipeAsync(Socket client)
    {
        var upstream = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        client.NoDelay = true;
        try
        {
            await upstream.ConnectAsync(IPAddress.Loopback, _target, _stop.Token);
        }
        catch (Exception)
        {
            client.Close();
            upstream.Dispose();
            return;
        }

        lock (_open)
        {
            _open.Add(client);
            _open.Add(upstream);
        }

        await Task.WhenAny(CopyAsync(client, upstream), CopyAsync(upstream, client));
        client.Close();
        upstream.Close();
        lock (_open)
        {
            _open.Remove(client);
            _open.Remove(upstream);
        }
    }

    private async Task CopyAsync(Socket from, Socket to)
    {
        var buffer = new byte[64 * 1024];
        try
        {
            while (true)
            {
                var read = await from.ReceiveAsync(buffer, SocketFlags.None, _stop.Token);
                if (read == 0)
                {
                    return;
                }

                Task flowing;
                lock (_open)
                {
                    flowing = _flowing.Task;
                }

                if (!flowing.IsCompleted)
                {
                    Interlocked.Increment(ref _held);
                    await flowing.WaitAsync(_stop.Token);
                }

                await to.SendAsync(buffer.AsMemory(0, read), SocketFlags.None, _stop.Token);
            }
        }
        catch (Exception)
        {
        }
    }
}
