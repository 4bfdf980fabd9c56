using System.Text.RegularExpressions;
using Shouldly;

namespace Registry.Adapters.Sync.Tests.Serve;

/// <summary><c>mesh-sync serve</c> run in-process until disposed (as Ctrl+C stops it), with the address it printed.</summary>
internal sealed partial class ServeRun : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly StringWriter _stderr = new();
    private readonly TextWriter _syncStderr;
    private readonly Task<int> _exit;

    private ServeRun(string[] args)
    {
        // TextWriter.Synchronized locks on the wrapper it returns, so reading under that lock never sees a write half-done.
        _syncStderr = TextWriter.Synchronized(_stderr);
        var env = new CliEnvironment(TextWriter.Synchronized(new StringWriter()), _syncStderr, IsOutputTerminal: false, NoColor: true);
        _exit = Task.Run(() => MeshSyncCli.RunAsync(args, env, _stop.Token));
    }

    public Uri Address { get; private set; } = null!;

    public HttpClient Http { get; private set; } = null!;

    public string Stderr
    {
        get
        {
            lock (_syncStderr)
            {
                return _stderr.ToString();
            }
        }
    }

    public static Task<ServeRun> StartAsync(params string[] args) => StartCommandAsync(["serve", .. args]);

    /// <summary>Runs <c>mesh-sync sync ... --listen</c> until disposed.</summary>
    public static Task<ServeRun> StartSyncAsync(params string[] args) => StartCommandAsync(["sync", .. args]);

    private static async Task<ServeRun> StartCommandAsync(string[] args)
    {
        var run = new ServeRun(args);
        using var timeout = new CancellationTokenSource(ServedMesh.Timeout);
        while (ServingLine().Match(run.Stderr) is not { Success: true } match)
        {
            if (run._exit.IsCompleted)
            {
                throw new InvalidOperationException($"serve exited {await run._exit}: {run.Stderr}");
            }

            timeout.IsCancellationRequested.ShouldBeFalse($"serve did not print its address: {run.Stderr}");
            await Task.Delay(20);
        }

        run.Address = new Uri(ServingLine().Match(run.Stderr).Groups[1].Value);
        run.Http = new HttpClient { BaseAddress = run.Address, Timeout = ServedMesh.Timeout };
        return run;
    }

    /// <summary>Runs serve expecting it to refuse to start.</summary>
    public static Task<CliResult> RefusedAsync(params string[] args) => CliRun.InProcessAsync(["serve", .. args]);

    public async Task<int> StopAsync()
    {
        await _stop.CancelAsync();
        return await _exit.WaitAsync(ServedMesh.Timeout);
    }

    public async ValueTask DisposeAsync()
    {
        Http?.Dispose();
        if (!_exit.IsCompleted)
        {
            await StopAsync();
        }

        _stop.Dispose();
    }

    [GeneratedRegex(@"serving (http://\S+/)")]
    private static partial Regex ServingLine();
}
