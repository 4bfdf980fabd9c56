using System.Diagnostics;
using System.Text.Json;
using Shouldly;
using Xunit;

namespace Registry.Adapters.Sync.Tests;

/// <summary>Runs the built console as a user does: <c>dotnet Registry.Adapters.Sync.dll ...</c>.</summary>
public sealed class ProcessTests : IDisposable
{
    private readonly TempCatalogs _files = new();

    public void Dispose() => _files.Dispose();

    [Fact]
    public async Task Process_ListTwoFiles_Exit0WithJsonOnStdout()
    {
        _files.Write("a.json", TempCatalogs.A);
        _files.Write("b.json", TempCatalogs.B);

        var result = await CliRun.ProcessAsync(_files.Directory, "list", "--file", "a.json", "--file", "b.json");

        result.ExitCode.ShouldBe(0, result.ToString());
        using var json = JsonDocument.Parse(result.Stdout);
        json.RootElement.GetProperty("services").GetArrayLength().ShouldBe(3);
        result.Stderr.ShouldBeEmpty();
    }

    [Fact]
    public async Task Process_MalformedFile_Exit3()
    {
        _files.Write("a.json", TempCatalogs.A);
        _files.Write("bad.json", "{ nope");

        var result = await CliRun.ProcessAsync(_files.Directory, "list", "--file", "a.json", "--file", "bad.json", "--output", "json");

        result.ExitCode.ShouldBe(3, result.ToString());
        JsonDocument.Parse(result.Stdout).RootElement.GetProperty("services").GetArrayLength().ShouldBe(2);
        result.Stderr.ShouldContain("registry 'file-2' (file) is failed");
    }

    [Fact]
    public async Task Process_BadOption_Exit2OneLine()
    {
        var result = await CliRun.ProcessAsync(_files.Directory, "list", "--nope");

        result.ExitCode.ShouldBe(2, result.ToString());
        result.Stderr.TrimEnd().Split('\n').ShouldHaveSingleItem().ShouldContain("--nope");
    }

    [Fact]
    public async Task Process_WatchSigterm_Exit0()
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        _files.Write("a.json", TempCatalogs.A);
        using var process = Process.Start(CliRun.StartInfo(_files.Directory, "watch", "--file", "a.json", "--output", "json"))!;
        try
        {
            var first = await process.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(30));
            first.ShouldNotBeNull();
            first.ShouldContain("\"type\":\"snapshot\"");

            _files.Replace(Path.Combine(_files.Directory, "a.json"), TempCatalogs.B);
            var next = await process.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(30));
            next.ShouldNotBeNull();
            next.ShouldStartWith("{\"type\":\"");

            using (var kill = Process.Start("kill", ["-TERM", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
            {
                await kill.WaitForExitAsync();
            }

            await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
            process.ExitCode.ShouldBe(0, await process.StandardError.ReadToEndAsync());
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }
    }
}

/// <summary>The samples in the repository, run as the README runs them (from the repository root).</summary>
public sealed class SampleTests
{
    private static string RepositoryRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Registry.Adapters.sln")))
        {
            directory = directory.Parent;
        }

        return directory?.FullName ?? throw new InvalidOperationException("Registry.Adapters.sln not found above the test output.");
    }

    [Fact]
    public async Task Process_SampleConfig_MergesBothCatalogs()
    {
        var result = await CliRun.ProcessAsync(RepositoryRoot(), "list", "--config", "samples/mesh.json", "--output", "json");

        result.ExitCode.ShouldBe(0, result.ToString());
        using var json = JsonDocument.Parse(result.Stdout);
        var services = json.RootElement.GetProperty("services").EnumerateArray().ToDictionary(s => s.GetProperty("name").GetString()!);
        services.Keys.ShouldBe(["inventory", "notifications", "orders", "payments", "shipping", "users"]);
        services["orders"].GetProperty("instances").EnumerateArray().Select(i => i.GetProperty("id").GetString())
            .ShouldBe(["orders-1", "orders-2", "orders-3", "orders-eu-1"], "orders-1-mirror shares host:port with orders-1 and is deduplicated");
        services["payments"].GetProperty("instances").EnumerateArray().Select(i => i.GetProperty("registry").GetString()).Distinct()
            .ShouldBe(["us"], "payments merges with Failover: the first registry has a healthy instance");
        json.RootElement.GetProperty("registries").EnumerateArray().Select(r => r.GetProperty("name").GetString()).ShouldBe(["us", "eu"]);
    }

    [Fact]
    public async Task InProcess_SampleCatalogs_AreValidWithoutSkippedRecords()
    {
        var root = RepositoryRoot();
        var result = await CliRun.InProcessAsync(
            "list", "--file", Path.Combine(root, "samples", "catalog.json"), "--file", Path.Combine(root, "samples", "catalog-b.json"), "-o", "json");

        result.ExitCode.ShouldBe(0, result.ToString());
        using var json = JsonDocument.Parse(result.Stdout);
        json.RootElement.GetProperty("registries").EnumerateArray().ShouldAllBe(r => r.GetProperty("skipped").GetInt32() == 0);
        var healths = json.RootElement.GetProperty("services").EnumerateArray()
            .SelectMany(s => s.GetProperty("instances").EnumerateArray()).Select(i => i.GetProperty("health").GetString()).ToHashSet();
        healths.ShouldBe(["healthy", "unhealthy", "draining", "starting"], ignoreOrder: true);
    }
}
