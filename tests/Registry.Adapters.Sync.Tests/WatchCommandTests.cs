using System.Text.Json;
using Shouldly;
using Xunit;

namespace Registry.Adapters.Sync.Tests;

public sealed class WatchCommandTests : IDisposable
{
    private readonly TempCatalogs _files = new();

    public void Dispose() => _files.Dispose();

    [Fact]
    public async Task Watch_JsonEditFile_PrintsSnapshotThenUpdatedLineAndExits0OnCancel()
    {
        var a = _files.Write("a.json", TempCatalogs.A);
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var env = new CliEnvironment(TextWriter.Synchronized(stdout), TextWriter.Synchronized(stderr), IsOutputTerminal: false, NoColor: true);
        using var interrupt = new CancellationTokenSource();
        var run = MeshSyncCli.RunAsync(["watch", "--file", a, "--output", "json"], env, cancellationToken: interrupt.Token);

        await WaitForAsync(() => stdout.ToString().Contains("\"type\":\"snapshot\"", StringComparison.Ordinal), run, stdout, stderr);
        _files.Replace(a, TempCatalogs.A.Replace("\"draining\"", "\"healthy\"", StringComparison.Ordinal));
        await WaitForAsync(() => stdout.ToString().Contains("\"type\":\"updated\"", StringComparison.Ordinal), run, stdout, stderr);
        await interrupt.CancelAsync();
        var exit = await run.WaitAsync(TimeSpan.FromSeconds(30));

        exit.ShouldBe(0, stderr.ToString());
        var lines = stdout.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        using var snapshot = JsonDocument.Parse(lines[0]);
        snapshot.RootElement.EnumerateObject().Select(p => p.Name).ShouldBe(["type", "revision", "services", "registries"]);
        using var update = JsonDocument.Parse(lines.Single(l => l.Contains("\"updated\"", StringComparison.Ordinal)));
        update.RootElement.EnumerateObject().Select(p => p.Name).ShouldBe(["type", "revision", "service"]);
        update.RootElement.GetProperty("revision").GetInt64().ShouldBeGreaterThan(snapshot.RootElement.GetProperty("revision").GetInt64());
        var service = update.RootElement.GetProperty("service");
        service.GetProperty("name").GetString().ShouldBe("orders");
        service.GetProperty("instances").EnumerateArray().Select(i => i.GetProperty("health").GetString()).ShouldBe(["healthy", "healthy"], "the full new instance list");
        lines.ShouldNotContain(l => l.Contains("payments", StringComparison.Ordinal) && !l.Contains("snapshot", StringComparison.Ordinal), "payments did not change");
    }

    [Fact]
    public async Task Watch_TableAddAndRemoveService_PrintsOneLinePerChange()
    {
        var a = _files.Write("a.json", TempCatalogs.A);
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var env = new CliEnvironment(TextWriter.Synchronized(stdout), TextWriter.Synchronized(stderr), IsOutputTerminal: false, NoColor: true);
        using var interrupt = new CancellationTokenSource();
        var run = MeshSyncCli.RunAsync(["watch", "--file", a, "--output", "table"], env, cancellationToken: interrupt.Token);
        await WaitForAsync(() => stdout.ToString().Contains("Revision", StringComparison.Ordinal), run, stdout, stderr);

        _files.Replace(a, TempCatalogs.B);
        await WaitForAsync(() => stdout.ToString().Contains("removed payments", StringComparison.Ordinal), run, stdout, stderr);
        await interrupt.CancelAsync();
        (await run.WaitAsync(TimeSpan.FromSeconds(30))).ShouldBe(0);

        var text = stdout.ToString();
        text.ShouldContain("added   inventory: 1 instances, 1 healthy");
        text.ShouldContain("updated orders: 2 instances");
        text.ShouldContain("removed payments: 0 instances");
    }

    [Fact]
    public async Task Watch_BrokenEdit_ReportsRegistryStaleOnStderrAndKeepsStdoutClean()
    {
        var a = _files.Write("a.json", TempCatalogs.A);
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var env = new CliEnvironment(TextWriter.Synchronized(stdout), TextWriter.Synchronized(stderr), IsOutputTerminal: false, NoColor: true);
        using var interrupt = new CancellationTokenSource();
        var run = MeshSyncCli.RunAsync(["watch", "--file", a, "--output", "json"], env, cancellationToken: interrupt.Token);
        await WaitForAsync(() => stdout.ToString().Contains("snapshot", StringComparison.Ordinal), run, stdout, stderr);

        _files.Replace(a, "{ \"services\": [ ");
        await WaitForAsync(() => stderr.ToString().Contains("is stale", StringComparison.Ordinal), run, stdout, stderr);
        await interrupt.CancelAsync();
        (await run.WaitAsync(TimeSpan.FromSeconds(30))).ShouldBe(0);

        stderr.ToString().ShouldContain("a.json is not valid JSON");
        foreach (var line in stdout.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            JsonDocument.Parse(line).Dispose();
        }
    }

    internal static async Task WaitForAsync(Func<bool> condition, Task<int> run, StringWriter stdout, StringWriter stderr)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!condition())
        {
            if (run.IsCompleted)
            {
                throw new Xunit.Sdk.XunitException($"mesh-sync ended with {run.Result}.\n{stdout}\n{stderr}");
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new Xunit.Sdk.XunitException($"Timed out.\n--- stdout\n{stdout}\n--- stderr\n{stderr}");
            }

            await Task.Delay(50);
        }
    }
}
