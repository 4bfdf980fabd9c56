using System.Net;
using System.Net.Sockets;
using Shouldly;
using Xunit;

namespace Registry.Adapters.Sync.Tests;

/// <summary>Ctrl+C or SIGTERM while a registry is still syncing ends the command cleanly, never with an unhandled exception.</summary>
public sealed class CliBehaviourTests : IDisposable
{
    // Accepts connections and never answers: the registry stays in its first sync until interrupted.
    private readonly TcpListener _silent = new(IPAddress.Loopback, 0);
    private readonly List<Socket> _accepted = [];

    public CliBehaviourTests()
    {
        _silent.Start();
        _ = AcceptForeverAsync();
    }

    private string Url => $"http://127.0.0.1:{((IPEndPoint)_silent.LocalEndpoint).Port}";

    [Fact]
    public async Task List_InterruptedWhileSyncing_ExitsInterruptedWithoutCrash()
    {
        var result = await RunInterruptedAsync("list", "--consul", Url, "--timeout", "60s");

        result.ExitCode.ShouldBe(ExitCodes.Interrupted, result.ToString());
        result.Stderr.ShouldNotContain("unexpected error");
    }

    [Fact]
    public async Task Watch_InterruptedWhileSyncing_ExitsZero()
    {
        var result = await RunInterruptedAsync("watch", "--consul", Url, "--timeout", "60s", "--output", "json");

        result.ExitCode.ShouldBe(ExitCodes.Ok, result.ToString());
        result.Stderr.ShouldNotContain("unexpected error");
    }

    [Fact]
    public async Task List_EmptyConfigPath_ExitsUsage()
    {
        var result = await CliRun.InProcessAsync("list", "--config", "");

        result.ExitCode.ShouldBe(ExitCodes.Usage, result.ToString());
        result.Stderr.ShouldStartWith("mesh-sync: --config");
    }

    [Fact]
    public async Task ListHelp_Shortcuts_NameTheirValues()
    {
        var result = await CliRun.InProcessAsync("list", "--help");

        result.ExitCode.ShouldBe(ExitCodes.Ok, result.ToString());
        result.Stdout.ShouldContain("--file <PATH>");
        result.Stdout.ShouldContain("--etcd <URL[,URL]>");
        result.Stdout.ShouldContain("--eureka <URL[,URL]>");
        result.Stdout.ShouldContain("--consul <URL>");
        result.Stdout.ShouldContain("--kubeconfig <PATH>");
        result.Stdout.ShouldNotContain("<VALUE>");
    }

    private static async Task<CliResult> RunInterruptedAsync(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var env = new CliEnvironment(TextWriter.Synchronized(stdout), TextWriter.Synchronized(stderr), IsOutputTerminal: false, NoColor: true);
        using var interrupt = new CancellationTokenSource(TimeSpan.FromSeconds(1));
        var exit = await MeshSyncCli.RunAsync(args, env, interrupt.Token).WaitAsync(TimeSpan.FromSeconds(60));
        return new CliResult(exit, stdout.ToString(), stderr.ToString());
    }

    private async Task AcceptForeverAsync()
    {
        try
        {
            while (true)
            {
                var socket = await _silent.AcceptSocketAsync();
                lock (_accepted)
                {
                    _accepted.Add(socket);
                }
            }
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
        }
    }

    public void Dispose()
    {
        _silent.Stop();
        lock (_accepted)
        {
            _accepted.ForEach(static s => s.Dispose());
        }
    }
}
