using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text;
using Etcdserverpb;
using Google.Protobuf;
using Registry.Adapters.Etcd;

namespace Registry.Adapters.Etcd.Tests;

/// <summary>TLS files for <see cref="EtcdServer"/>: server certificate and key, and the CA that clients must present certificates from.</summary>
public sealed record EtcdServerTls(string CertFile, string KeyFile, string TrustedCaFile);

/// <summary>
/// A real etcd (<c>/usr/bin/etcd</c>) on free loopback ports with a temporary data dir. It can be stopped, killed and
/// restarted on the same ports and data (or a wiped data dir, as after a rebuild), and is removed on dispose.
/// </summary>
public sealed class EtcdServer : IAsyncDisposable
{
    public const string Binary = "/usr/bin/etcd";
    private static readonly List<Process> Running = [];
    private static readonly HashSet<int> Reserved = [];
    private readonly EtcdServerTls? _tls;
    private readonly string[] _extraArguments;
    private readonly StringBuilder _output = new();
    private Process? _process;

    static EtcdServer()
    {
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            lock (Running)
            {
                foreach (var process in Running)
                {
                    try
                    {
                        process.Kill(entireProcessTree: true);
                    }
                    catch (InvalidOperationException)
                    {
                    }
                }
            }
        };
    }

    private EtcdServer(EtcdServerTls? tls, string[] extraArguments)
    {
        _tls = tls;
        _extraArguments = extraArguments;
        var ports = FreePorts(3);
        ClientPort = ports[0];
        PeerPort = ports[1];
        MetricsPort = ports[2];
        DataDir = Path.Combine(Path.GetTempPath(), "etcd-test-" + Guid.NewGuid().ToString("N")[..12]);
    }

    public int ClientPort { get; }

    public int PeerPort { get; }

    public int MetricsPort { get; }

    public string DataDir { get; }

    public bool IsRunning => _process is { HasExited: false };

    /// <summary>The client URL (<c>http://127.0.0.1:port</c>, or https with TLS).</summary>
    public string ClientUrl => $"{(_tls is null ? "http" : "https")}://127.0.0.1:{ClientPort}";

    /// <summary>Starts etcd and waits until it reports healthy.</summary>
    public static async Task<EtcdServer> StartAsync(EtcdServerTls? tls = null, params string[] extraArguments)
    {
        if (!File.Exists(Binary))
        {
            throw new InvalidOperationException(
                $"etcd is not installed at {Binary}. Install Debian's etcd-server (apt-get install -y etcd-server); the repository's test script does this.");
        }

        var server = new EtcdServer(tls, extraArguments);
        try
        {
            await server.LaunchAsync();
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }

        return server;
    }

    /// <summary>Stops etcd gracefully (SIGTERM) and waits for it to exit.</summary>
    public async Task StopAsync()
    {
        if (_process is { HasExited: false } process)
        {
            _ = Kill(process.Id, 15);
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(15));
            try
            {
                await process.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                await process.WaitForExitAsync();
            }
        }

        Forget();
    }

    /// <summary>Kills etcd (SIGKILL), as a crash would.</summary>
    public async Task KillAsync()
    {
        if (_process is { HasExited: false } process)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }

        Forget();
    }

    /// <summary>Starts etcd again on the same ports; with <paramref name="wipeData"/> on an empty data dir (a rebuilt etcd).</summary>
    public async Task RestartAsync(bool wipeData = false)
    {
        await StopAsync();
        if (wipeData && Directory.Exists(DataDir))
        {
            Directory.Delete(DataDir, recursive: true);
        }

        await LaunchAsync();
    }

    /// <summary>An etcd client with full rights, for changing data from outside the registry under test.</summary>
    public EtcdRegistryOptions ClientOptions(string? prefix = null)
    {
        var options = new EtcdRegistryOptions { Prefix = prefix, RequestTimeout = TimeSpan.FromSeconds(10) };
        options.Endpoints.Add(ClientUrl);
        return options;
    }

    public async ValueTask DisposeAsync()
    {
        await KillAsync();
        try
        {
            if (Directory.Exists(DataDir))
            {
                Directory.Delete(DataDir, recursive: true);
            }
        }
        catch (IOException)
        {
        }
    }

    private async Task LaunchAsync()
    {
        Directory.CreateDirectory(DataDir);
        var scheme = _tls is null ? "http" : "https";
        var info = new ProcessStartInfo(Binary)
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        foreach (var arg in Arguments(scheme))
        {
            info.ArgumentList.Add(arg);
        }

        var process = new Process { StartInfo = info };
        process.ErrorDataReceived += (_, e) => Append(e.Data);
        process.OutputDataReceived += (_, e) => Append(e.Data);
        process.Start();
        process.BeginErrorReadLine();
        process.BeginOutputReadLine();
        _process = process;
        lock (Running)
        {
            Running.Add(process);
        }

        await WaitHealthyAsync(process);
    }

    private IEnumerable<string> Arguments(string scheme)
    {
        string[] common =
        [
            "--name", "test",
            "--data-dir", DataDir,
            "--listen-client-urls", $"{scheme}://127.0.0.1:{ClientPort}",
            "--advertise-client-urls", $"{scheme}://127.0.0.1:{ClientPort}",
            "--listen-peer-urls", $"http://127.0.0.1:{PeerPort}",
            "--initial-advertise-peer-urls", $"http://127.0.0.1:{PeerPort}",
            "--initial-cluster", $"test=http://127.0.0.1:{PeerPort}",
            "--initial-cluster-token", Path.GetFileName(DataDir),
            "--listen-metrics-urls", $"http://127.0.0.1:{MetricsPort}",
            "--logger", "zap",
            "--log-level", "error",
            "--experimental-watch-progress-notify-interval", "2s",
        ];
        if (_tls is null)
        {
            return common.Concat(_extraArguments);
        }

        return common.Concat(_extraArguments).Concat(
        [
            "--cert-file", _tls.CertFile,
            "--key-file", _tls.KeyFile,
            "--client-cert-auth",
            "--trusted-ca-file", _tls.TrustedCaFile,
        ]);
    }

    private async Task WaitHealthyAsync(Process process)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (DateTime.UtcNow < deadline)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"etcd exited with code {process.ExitCode} while starting: {Output()}");
            }

            try
            {
                var body = await http.GetStringAsync($"http://127.0.0.1:{MetricsPort}/health");
                if (body.Contains("\"true\"", StringComparison.Ordinal))
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
            }
            catch (TaskCanceledException)
            {
            }

            await Task.Delay(50);
        }

        throw new TimeoutException($"etcd did not become healthy within 30 s: {Output()}");
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            if (_output.Length < 20_000)
            {
                _output.AppendLine(line);
            }
        }
    }

    private string Output()
    {
        lock (_output)
        {
            return _output.ToString();
        }
    }

    private void Forget()
    {
        if (_process is { } process)
        {
            lock (Running)
            {
                Running.Remove(process);
            }

            process.Dispose();
            _process = null;
        }
    }

    // Ports handed out in this process are never handed out again: a stopped server restarts on its own ports,
    // which must not go to another server in the meantime.
    private static int[] FreePorts(int count)
    {
        var ports = new List<int>(count);
        var held = new List<TcpListener>();
        try
        {
            while (ports.Count < count)
            {
                var listener = new TcpListener(IPAddress.Loopback, 0);
                listener.Start();
                held.Add(listener);
                var port = ((IPEndPoint)listener.LocalEndpoint).Port;
                lock (Reserved)
                {
                    if (Reserved.Add(port))
                    {
                        ports.Add(port);
                    }
                }
            }
        }
        finally
        {
            foreach (var listener in held)
            {
                listener.Stop();
            }
        }

        return [.. ports];
    }

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);
}
