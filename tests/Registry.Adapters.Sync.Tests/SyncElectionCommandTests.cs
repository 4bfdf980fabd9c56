using Shouldly;
using Xunit;

namespace Registry.Adapters.Sync.Tests;

/// <summary><c>sync --leader-elect</c>, <c>--shards</c>: usage errors (exit 2, one line naming the option) before anything is written.</summary>
public sealed class SyncElectionCommandTests : IDisposable
{
    private readonly TempCatalogs _files = new();

    public void Dispose() => _files.Dispose();

    private async Task<CliResult> SyncAsync(params string[] extra)
    {
        var source = _files.Write("source.json", TempCatalogs.A);
        var target = Path.Combine(_files.Directory, "mirror.json");
        return await CliRun.InProcessAsync(["sync", "--file", source, "--file", target, "--to", "file-2", "--once", .. extra]);
    }

    [Theory]
    [InlineData(new[] { "--leader-elect", "zookeeper" }, "--leader-elect: 'zookeeper' is not one of none, etcd, consul, kubernetes")]
    [InlineData(new[] { "--shards", "4" }, "Shards needs leader election")]
    [InlineData(new[] { "--shards", "0", "--leader-elect", "etcd" }, "Shards must be between 1 and 256")]
    [InlineData(new[] { "--leader-elect", "etcd" }, "no registry of kind etcd is configured")]
    [InlineData(new[] { "--leader-elect-registry", "file" }, "set Mesh:Sync:LeaderElection:Kind (--leader-elect)")]
    [InlineData(new[] { "--leader-elect", "etcd", "--leader-elect-registry", "nowhere" }, "no registry is named 'nowhere'; the registries are file, file-2")]
    [InlineData(new[] { "--leader-elect", "consul", "--leader-elect-registry", "file" }, "registry 'file' is of kind file, not consul")]
    [InlineData(new[] { "--leader-elect", "etcd", "--election-name", "Not_A_Label" }, "LeaderElection:Name")]
    [InlineData(new[] { "--leader-elect", "etcd", "--lease-duration", "1s" }, "LeaseDuration must be at least 2 seconds")]
    public async Task Sync_BadLeaderElection_UsageErrorAndNothingWritten(string[] options, string message)
    {
        var run = await SyncAsync(options);

        run.ExitCode.ShouldBe(2, run.ToString());
        run.Stderr.ShouldContain(message, Case.Sensitive, run.ToString());
        run.Stderr.TrimEnd().Split('\n').Length.ShouldBe(1, run.Stderr);
        File.Exists(Path.Combine(_files.Directory, "mirror.json")).ShouldBeFalse("nothing is written");
    }

    [Fact]
    public async Task Sync_LeaderElectionInConfiguration_SameChecksAsTheFlags()
    {
        var source = _files.Write("source.json", TempCatalogs.A);
        var config = _files.Write("mesh.json", $$"""
            { "Mesh": {
                "Registries": [ { "Name": "src", "Kind": "file", "Path": "{{source.Replace("\\", "\\\\", StringComparison.Ordinal)}}" },
                                { "Name": "dst", "Kind": "file", "Path": "{{Path.Combine(_files.Directory, "mirror.json").Replace("\\", "\\\\", StringComparison.Ordinal)}}" } ],
                "Sync": { "To": [ "dst" ], "Shards": 4, "LeaderElection": { "Kind": "etcd", "LeaseDuration": "00:00:20", "RenewDeadline": "00:00:12", "RetryPeriod": "00:00:03" } } } }
            """);

        var run = await CliRun.InProcessAsync("sync", "--config", config, "--once");

        run.ExitCode.ShouldBe(2, run.ToString());
        run.Stderr.ShouldContain("no registry of kind etcd is configured");
    }

    [Fact]
    public async Task Sync_Help_ListsTheElectionOptions()
    {
        var run = await CliRun.InProcessAsync("sync", "--help");

        run.ExitCode.ShouldBe(0, run.ToString());
        foreach (var option in new[] { "--leader-elect", "--leader-elect-registry", "--election-name", "--lease-duration", "--shards" })
        {
            run.Stdout.ShouldContain(option);
        }
    }
}
