using System.Diagnostics;
using System.Text;
using System.Text.Json;

namespace Registry.Adapters.Eureka.Tests.MemoryProbe;

/// <summary>Runs <see cref="EurekaMemoryProbe"/> in a child process: <c>dotnet Registry.Adapters.Eureka.Tests.dll eureka-memory-probe …</c>.</summary>
internal static class MemoryProbeRun
{
    public static async Task<MemoryProbeResult> RunAsync(string baseUrl, long cap, int fetches)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            StandardOutputEncoding = Encoding.UTF8,
        };
        info.ArgumentList.Add(typeof(EurekaMemoryProbe).Assembly.Location);
        info.ArgumentList.Add(EurekaMemoryProbe.Verb);
        info.ArgumentList.Add(baseUrl);
        info.ArgumentList.Add(cap.ToString(System.Globalization.CultureInfo.InvariantCulture));
        info.ArgumentList.Add(fetches.ToString(System.Globalization.CultureInfo.InvariantCulture));
        // The defaults a service runs with: workstation GC, no heap limit from the test host.
        info.Environment["DOTNET_gcServer"] = "0";
        info.Environment.Remove("DOTNET_GCHeapHardLimit");
        using var process = Process.Start(info) ?? throw new InvalidOperationException("could not start the memory probe");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        try
        {
            await process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(3));
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }

        var output = await stdout;
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"the memory probe exited {process.ExitCode}: {output}\n{await stderr}");
        }

        return JsonSerializer.Deserialize<MemoryProbeResult>(output.Trim().Split('\n')[^1])
            ?? throw new InvalidOperationException($"the memory probe printed no result: {output}");
    }
}
