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
