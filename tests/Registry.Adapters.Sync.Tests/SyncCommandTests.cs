using System.Text.Json;
using Shouldly;
using Xunit;

namespace Registry.Adapters.Sync.Tests;

public sealed class SyncCommandTests : IDisposable
{
    private readonly TempCatalogs _files = new();

    public void Dispose() => _files.Dispose();

    [Fact]
    public async Task Sync_Once_MirrorsSourceIntoFileTargetAndSecondRunWritesNothing()
    {
        var source = _files.Write("source.json", TempCatalogs.A);
        var target = Path.Combine(_files.Directory, "mirror.json");

        var first = await CliRun.InProcessAsync("sync", "--file", source, "--file", target, "--to", "file-2", "--once", "--output", "json");
        var second = await CliRun.InProcessAsync("sync", "--file", source, "--file", target, "--to", "file-2", "--once", "--output", "json");

        first.ExitCode.ShouldBe(0, first.ToString());
        using var plan = JsonDocument.Parse(first.Stdout);
        plan.RootElement.GetProperty("writes").GetInt32().ShouldBeGreaterThan(0);
        plan.RootElement.GetProperty("targets")[0].GetProperty("creates").GetArrayLength().ShouldBe(plan.RootElement.GetProperty("writes").GetInt32());
        second.ExitCode.ShouldBe(0, second.ToString());
        using var again = JsonDocument.Parse(second.Stdout);
        again.RootElement.GetProperty("writes").GetInt32().ShouldBe(0);
        var list = await CliRun.InProcessAsync("list", "--file", target, "--output", "json");
        list.Stdout.ShouldNotContain("orders-1", customMessage: "a mirrored record is not read back as a source (loop safety)");
        var mirrored = await File.ReadAllTextAsync(target);
        mirrored.ShouldContain("\"mesh-sync-id\": \"mesh-sync\"");
        mirrored.ShouldContain("\"mesh-sync-origin\": \"file\"");
    }

    [Fact]
    public async Task Sync_DryRun_PrintsPlanAndWritesNothing()
    {
        var source = _files.Write("source.json", TempCatalogs.A);
        var target = Path.Combine(_files.Directory, "mirror.json");

        var run = await CliRun.InProcessAsync("sync", "--file", source, "--file", target, "--to", "file-2", "--dry-run", "--service", "orders*", "--output", "table");

        run.ExitCode.ShouldBe(0, run.ToString());
        run.Stdout.ShouldContain("would write");
        run.Stdout.ShouldContain("create orders/orders-1 (from file)");
        File.Exists(target).ShouldBeFalse();
    }

    [Fact]
    public async Task Sync_Purge_RemovesOwnedRecords()
    {
        var source = _files.Write("source.json", TempCatalogs.A);
        var target = Path.Combine(_files.Directory, "mirror.json");
        (await CliRun.InProcessAsync("sync", "--file", source, "--file", target, "--to", "file-2", "--once")).ExitCode.ShouldBe(0);

        var purge = await CliRun.InProcessAsync("sync", "--file", source, "--file", target, "--to", "file-2", "--purge", "--output", "json");

        purge.ExitCode.ShouldBe(0, purge.ToString());
        (await File.ReadAllTextAsync(target)).ShouldNotContain("mesh-sync-id");
    }

    [Theory]
    [InlineData("--to", "nowhere", "no registry is named 'nowhere'")]
    [InlineData("--to", "file", "--sync-id")]
    public async Task Sync_BadTargetOrSyncId_IsUsageError(string option, string value, string message)
    {
        var source = _files.Write("source.json", TempCatalogs.A);
        string[] args = option == "--to" && value == "file"
            ? ["sync", "--file", source, "--to", "file", "--sync-id", "Not_A_Label", "--once"]
            : ["sync", "--file", source, option, value, "--once"];

        var run = await CliRun.InProcessAsync(args);

        run.ExitCode.ShouldBe(2, run.ToString());
        run.Stderr.ShouldContain(message == "--sync-id" ? "sync id" : message);
    }

    [Fact]
    public async Task Sync_WithoutTarget_IsUsageError()
    {
        var source = _files.Write("source.json", TempCatalogs.A);

        var run = await CliRun.InProcessAsync("sync", "--file", source, "--once");

        run.ExitCode.ShouldBe(2, run.ToString());
        run.Stderr.ShouldContain("--to NAME");
    }
}
