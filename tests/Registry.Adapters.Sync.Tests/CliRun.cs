using System.Diagnostics;
using System.Text;

namespace Registry.Adapters.Sync.Tests;

/// <summary>The result of one run of <c>mesh-sync</c>.</summary>
internal sealed record CliResult(int ExitCode, string Stdout, string Stderr)
{
    public override string ToString() => $"exit {ExitCode}\n--- stdout\n{Stdout}\n--- stderr\n{Stderr}";
}

/// <summary>Runs <c>mesh-sync</c> in-process (its entry method, captured writers) or as the built program (<c>dotnet Registry.Adapters.Sync.dll</c>).</summary>
internal static class CliRun
{
    public static async Task<CliResult> InProcessAsync(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var env = new CliEnvironment(TextWriter.Synchronized(stdout), TextWriter.Synchronized(stderr), IsOutputTerminal: false, NoColor: true);
        var exit = await MeshSyncCli.RunAsync(args, env).WaitAsync(TimeSpan.FromSeconds(60));
        return new CliResult(exit, stdout.ToString(), stderr.ToString());
    }

    /// <summary>The built console next to the tests (the project reference copies it with its runtimeconfig).</summary>
    public static string ConsoleDll => Path.Combine(AppContext.BaseDirectory, "Registry.Adapters.Sync.dll");

    public static ProcessStartInfo StartInfo(string workingDirectory, params string[] args)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        info.ArgumentList.Add(ConsoleDll);
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        info.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        info.Environment["NO_COLOR"] = "1";
        return info;
    }

    public static async Task<CliResult> ProcessAsync(string workingDirectory, params string[] args)
    {
        using var process = Process.Start(StartInfo(workingDirectory, args))!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        try
        {
            await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }

        return new CliResult(process.ExitCode, await stdout, await stderr);
    }
}
