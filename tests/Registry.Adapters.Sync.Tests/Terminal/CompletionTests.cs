using System.Diagnostics;
using Shouldly;
using Xunit;

namespace Registry.Adapters.Sync.Tests;

/// <summary>Shell completion: the <c>[suggest]</c> directive and the scripts of <c>mesh-sync completion</c>.</summary>
public sealed class CompletionTests
{
    [Theory]
    [InlineData("[suggest:12]", "mesh-sync li", "list")]
    [InlineData("[suggest:13]", "mesh-sync wat", "watch")]
    [InlineData("[suggest:22]", "mesh-sync list --timeo", "--timeout")]
    [InlineData("[suggest:25]", "mesh-sync list --output j", "json")]
    [InlineData("[suggest:21]", "mesh-sync completion ", "zsh")]
    public async Task Suggest_CommandLine_CompletesTheWordAtTheCursor(string directive, string line, string expected)
    {
        var result = await CliRun.InProcessAsync(directive, line);

        result.ExitCode.ShouldBe(ExitCodes.Ok, result.ToString());
        result.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ShouldContain(expected);
        result.Stderr.ShouldBeEmpty();
    }

    [Fact]
    public async Task Suggest_OptionValues_OnlyTheValidOnes()
    {
        var result = await CliRun.InProcessAsync("[suggest:24]", "mesh-sync list --output ");

        result.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ShouldBe(["json", "table"], ignoreOrder: true);
    }

    [Fact]
    public async Task Suggest_Arguments_CompletesTheLastWord()
    {
        var result = await CliRun.InProcessAsync("[suggest]", "list", "--serv");

        result.Stdout.Trim().ShouldBe("--service");
    }

    [Theory]
    [InlineData("bash", "complete -o default -F _mesh_sync_complete mesh-sync")]
    [InlineData("zsh", "compdef _mesh_sync_complete mesh-sync")]
    [InlineData("pwsh", "Register-ArgumentCompleter -Native -CommandName mesh-sync")]
    public async Task Completion_Shell_PrintsItsScript(string shell, string expected)
    {
        var result = await CliRun.InProcessAsync("completion", shell);

        result.ExitCode.ShouldBe(ExitCodes.Ok, result.ToString());
        result.Stdout.ShouldContain(expected);
        result.Stdout.ShouldContain("[suggest:");
    }

    [Fact]
    public async Task Completion_UnknownShell_Exit2ListingTheShells()
    {
        var result = await CliRun.InProcessAsync("completion", "fish");

        result.ExitCode.ShouldBe(ExitCodes.Usage, result.ToString());
        result.Stderr.ShouldContain("'bash' 'zsh' 'pwsh'");
    }

    [Fact]
    public async Task BashScript_InRealBash_CompletesTheCommand()
    {
        if (!File.Exists("/bin/bash"))
        {
            // Only on machines without bash (Windows CI); everywhere else the script runs for real.
            return;
        }

        var script = (await CliRun.InProcessAsync("completion", "bash")).Stdout;
        var dir = Directory.CreateTempSubdirectory("mesh-sync-completion");
        try
        {
            var file = Path.Combine(dir.FullName, "complete.bash");
            await File.WriteAllTextAsync(file, $$"""
                mesh-sync() { dotnet '{{CliRun.ConsoleDll}}' "$@"; }
                {{script}}
                COMP_LINE='mesh-sync list --ti'
                COMP_POINT=${#COMP_LINE}
                _mesh_sync_complete
                printf '%s\n' "${COMPREPLY[@]}"
                """);
            var info = new ProcessStartInfo("/bin/bash", [file]) { RedirectStandardOutput = true, RedirectStandardError = true };
            info.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
            using var bash = Process.Start(info)!;
            var stdout = bash.StandardOutput.ReadToEndAsync();
            var stderr = bash.StandardError.ReadToEndAsync();
            await bash.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));

            bash.ExitCode.ShouldBe(0, await stderr);
            (await stdout).Split('\n', StringSplitOptions.RemoveEmptyEntries).ShouldBe(["--timeout"]);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }
}
