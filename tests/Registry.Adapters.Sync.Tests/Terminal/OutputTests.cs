using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Shouldly;
using Xunit;

namespace Registry.Adapters.Sync.Tests;

/// <summary>What a user sees on a terminal: one line per failing registry, log levels, the status line, JSON as written.</summary>
public sealed class OutputTests : IDisposable
{
    private readonly TempCatalogs _files = new();

    // Accepts connections and never answers: a registry pointed at it stays in its first sync.
    private readonly TcpListener _silent = new(IPAddress.Loopback, 0);
    private readonly List<Socket> _accepted = [];

    public OutputTests()
    {
        _silent.Start();
        _ = AcceptForeverAsync();
    }

    private string SilentUrl => $"http://127.0.0.1:{((IPEndPoint)_silent.LocalEndpoint).Port}";

    [Fact]
    public async Task List_BrokenRegistry_OneLineOnStderr()
    {
        var a = _files.Write("a.json", TempCatalogs.A);
        var broken = _files.Write("broken.json", "{ nope");

        var result = await CliRun.InProcessAsync("list", "--file", a, "--file", broken, "-o", "json");

        result.ExitCode.ShouldBe(ExitCodes.RegistryFailed, result.ToString());
        result.Stderr.TrimEnd().Split('\n').ShouldHaveSingleItem().ShouldStartWith("mesh-sync: registry 'file-2' (file) is failed: ");
    }

    [Fact]
    public async Task List_BrokenRegistryVerbose_BackendLogsToo()
    {
        var a = _files.Write("a.json", TempCatalogs.A);
        var broken = _files.Write("broken.json", "{ nope");

        var result = await CliRun.InProcessAsync("list", "--file", a, "--file", broken, "-o", "json", "--verbose");

        result.ExitCode.ShouldBe(ExitCodes.RegistryFailed, result.ToString());
        result.Stderr.ShouldContain("Registry.Adapters.FileRegistry[");
        result.Stderr.ShouldContain("dbug: ");
    }

    [Fact]
    public async Task List_SkippedRecord_WarnedUnlessQuiet()
    {
        var a = _files.Write("a.json", """{ "services": [ { "name": "orders", "instances": [ { "id": "bad/id", "host": "h" }, { "id": "ok", "host": "h" } ] } ] }""");

        var normal = await CliRun.InProcessAsync("list", "--file", a, "-o", "json");
        var quiet = await CliRun.InProcessAsync("list", "--file", a, "-o", "json", "--quiet");

        normal.ExitCode.ShouldBe(ExitCodes.Ok, normal.ToString());
        normal.Stderr.ShouldContain("skipped record");
        normal.Stderr.ShouldContain("'bad/id'");
        quiet.ExitCode.ShouldBe(ExitCodes.Ok, quiet.ToString());
        quiet.Stderr.ShouldBeEmpty();
    }

    [Theory]
    [InlineData(LogLevel.Warning, "Registry.Adapters.Consul.ConsulServiceRegistry", 4001, "WatchFailed", LogLevel.Warning, false)]
    [InlineData(LogLevel.Warning, "Registry.Adapters.Consul.ConsulServiceRegistry", 4001, "WatchFailed", LogLevel.Error, true)]
    [InlineData(LogLevel.Debug, "Registry.Adapters.Consul.ConsulServiceRegistry", 4001, "WatchFailed", LogLevel.Warning, true)]
    [InlineData(LogLevel.Warning, "Registry.Adapters.FileRegistry", 1500, "RecordSkipped", LogLevel.Warning, true)]
    [InlineData(LogLevel.Warning, "Registry.Adapters.MeshCatalog", 1001, "NameConflict", LogLevel.Warning, true)]
    [InlineData(LogLevel.Warning, "Registry.Adapters.MeshCatalog", 1004, "RegistryFailed", LogLevel.Warning, false)]
    [InlineData(LogLevel.Debug, "Registry.Adapters.MeshCatalog", 1004, "RegistryFailed", LogLevel.Warning, true)]
    [InlineData(LogLevel.Warning, "Microsoft.Extensions.Hosting.Internal.Host", 1, "Anything", LogLevel.Warning, true)]
    public void IsShown_Events_BackendRetriesOnlyWhenVerbose(LogLevel minimum, string category, int id, string name, LogLevel level, bool shown) =>
        (ConsoleLogFilter.IsEnabled(minimum, category, level) && ConsoleLogFilter.IsShown(minimum, category, new EventId(id, name), level)).ShouldBe(shown);

    [Fact]
    public void IsEnabled_BelowMinimum_Off() =>
        ConsoleLogFilter.IsEnabled(LogLevel.Error, "Registry.Adapters.MeshCatalog", LogLevel.Warning).ShouldBeFalse();

    [Theory]
    [InlineData(180, "180 ms")]
    [InlineData(1_500, "1.5 s")]
    [InlineData(30_000, "30 s")]
    [InlineData(125_000, "2 min 5 s")]
    [InlineData(5_400_000, "1 h 30 min")]
    public void Human_Durations_AsPeopleWriteThem(int milliseconds, string expected) =>
        Durations.Human(TimeSpan.FromMilliseconds(milliseconds)).ShouldBe(expected);

    [Fact]
    public async Task List_TerminalWhileSyncing_StatusLineErasedBeforeTheCatalog()
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var env = new CliEnvironment(TextWriter.Synchronized(stdout), TextWriter.Synchronized(stderr), IsOutputTerminal: false, NoColor: true, IsErrorTerminal: true);

        var exit = await MeshSyncCli.RunAsync(["list", "--consul", SilentUrl, "--timeout", "1s", "-o", "json"], env).WaitAsync(TimeSpan.FromSeconds(60));

        exit.ShouldBe(ExitCodes.RegistryFailed, stderr.ToString());
        var text = stderr.ToString();
        text.ShouldContain("\r\u001b[Kmesh-sync: waiting for consul (0 of 1 synced");
        var erased = text.LastIndexOf("\r\u001b[K", StringComparison.Ordinal);
        text[(erased + 4)..].ShouldStartWith("mesh-sync: registry 'consul' (consul) is syncing: did not sync within 1 s (--timeout)");
        JsonDocument.Parse(stdout.ToString()).Dispose();
    }

    [Fact]
    public async Task List_StderrNotATerminal_NoStatusLine()
    {
        var result = await CliRun.InProcessAsync("list", "--consul", SilentUrl, "--timeout", "1s", "-o", "json");

        result.ExitCode.ShouldBe(ExitCodes.RegistryFailed, result.ToString());
        result.Stderr.ShouldNotContain("\u001b[");
        result.Stderr.ShouldNotContain("waiting for");
    }

    [Fact]
    public async Task Describe_RegistriesSyncing_NamesThemAndFitsTheWidth()
    {
        await using var mesh = await TestMesh.StartAsync(("consul", "consul"), ("etcd", "etcd"), ("file", "file"));
        var catalog = mesh.Catalog;
        await mesh.SnapshotAsync("file");

        SyncStatusLine.Describe(catalog.Current, TimeSpan.FromSeconds(4), 120).ShouldBe("mesh-sync: waiting for consul, etcd (1 of 3 synced, 4 s)");
        SyncStatusLine.Describe(catalog.Current, TimeSpan.FromSeconds(4), 30)!.Length.ShouldBeLessThan(30);
        await mesh.SnapshotAsync("consul");
        await mesh.SnapshotAsync("etcd");
        SyncStatusLine.Describe(catalog.Current, TimeSpan.FromSeconds(5), 120).ShouldBeNull();
    }

    [Fact]
    public async Task List_JsonWithNonAsciiAndHtmlCharacters_WrittenAsIs()
    {
        var a = _files.Write("a.json", """
            { "services": [ { "name": "café", "instances": [
              { "id": "c-1", "host": "10.0.0.1", "tags": [ "<ops>" ], "metadata": { "owner": "it's ours & theirs" } } ] } ] }
            """);

        var list = await CliRun.InProcessAsync("list", "--file", a, "-o", "json");

        list.ExitCode.ShouldBe(ExitCodes.Ok, list.ToString());
        list.Stdout.ShouldContain("\"café\"");
        list.Stdout.ShouldContain("\"<ops>\"");
        list.Stdout.ShouldContain("\"it's ours & theirs\"");
        list.Stdout.ShouldNotContain("\\u");
    }

    [Fact]
    public async Task Watch_JsonWithNonAscii_SnapshotLineWrittenAsIs()
    {
        var a = _files.Write("a.json", """{ "services": [ { "name": "café", "instances": [ { "id": "c-1", "host": "10.0.0.1", "tags": [ "<ops>" ] } ] } ] }""");
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var env = new CliEnvironment(TextWriter.Synchronized(stdout), TextWriter.Synchronized(stderr), IsOutputTerminal: false, NoColor: true);
        using var interrupt = new CancellationTokenSource();
        var run = MeshSyncCli.RunAsync(["watch", "--file", a, "-o", "json"], env, interrupt.Token);

        await WatchCommandTests.WaitForAsync(() => stdout.ToString().Contains("snapshot", StringComparison.Ordinal), run, stdout, stderr);
        await interrupt.CancelAsync();
        (await run.WaitAsync(TimeSpan.FromSeconds(30))).ShouldBe(0);

        stdout.ToString().ShouldContain("{\"name\":\"café\"");
        stdout.ToString().ShouldContain("[\"<ops>\"]");
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

        _files.Dispose();
    }
}
