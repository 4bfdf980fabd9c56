namespace Registry.Adapters.Eureka.Tests.MemoryProbe;

/// <summary>
/// The test assembly's entry point (<c>GenerateProgramFile</c> is off): the test runner never calls it, but a test can run
/// <c>dotnet Registry.Adapters.Eureka.Tests.dll eureka-memory-probe …</c> to measure memory in a process of its own.
/// </summary>
public static class ProbeProgram
{
    /// <summary>Runs the probe named by the first argument.</summary>
    /// <param name="args">The probe's verb and arguments.</param>
    /// <returns>The exit code: 0 when the probe ran, 2 on bad usage.</returns>
    public static async Task<int> Main(string[] args)
    {
        if (args is [EurekaMemoryProbe.Verb, var url, var cap, var fetches])
        {
            var result = await EurekaMemoryProbe.RunAsync(url, long.Parse(cap, System.Globalization.CultureInfo.InvariantCulture), int.Parse(fetches, System.Globalization.CultureInfo.InvariantCulture));
            Console.Out.WriteLine(System.Text.Json.JsonSerializer.Serialize(result));
            return 0;
        }

        await Console.Error.WriteLineAsync($"usage: {EurekaMemoryProbe.Verb} URL MAX_RESPONSE_BYTES FETCHES");
        return 2;
    }
}
