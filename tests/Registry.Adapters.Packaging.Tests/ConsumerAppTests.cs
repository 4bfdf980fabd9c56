using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Shouldly;
using Xunit;

namespace Registry.Adapters.Packaging.Tests;

[Collection(PackageFeedTests.Name)]
public sealed partial class ConsumerAppTests(PackageFeedFixture feed)
{
    [Fact]
    public async Task WebApp_BuiltFromTheFeed_ResolvesAServiceOfItsConfiguredCatalog()
    {
        var consumer = await feed.GetConsumerAsync();
        consumer.References.ShouldContain(r => r.StartsWith(feed.Packages, StringComparison.Ordinal) && r.EndsWith("/Registry.Adapters.dll", StringComparison.Ordinal),
            "the consumer compiles against the package restored from the feed");

        using var app = ProcessRunner.Start("dotnet", [consumer.Assembly, "--urls", "http://127.0.0.1:0"], consumer.Directory);
        var errors = app.StandardError.ReadToEndAsync();
        try
        {
            var address = await ReadListeningAddressAsync(app, errors, TimeSpan.FromMinutes(1));
            using var http = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromSeconds(30) };
            var instances = await http.GetFromJsonAsync<JsonElement>("/resolve/orders");

            var expected = SampleCatalog.InstanceIds("orders");
            instances.EnumerateArray().Select(i => i.GetProperty("id").GetString()).Order(StringComparer.Ordinal)
                .ShouldBe(expected.Order(StringComparer.Ordinal));
            instances.EnumerateArray().ShouldAllBe(i => i.GetProperty("registry").GetString() == "sample");
            instances.EnumerateArray().ShouldAllBe(i => i.GetProperty("port").GetInt32() > 0);
        }
        finally
        {
            app.Kill(entireProcessTree: true);
            await app.WaitForExitAsync();
        }
    }

    /// <summary>Kestrel logs "Now listening on: http://127.0.0.1:PORT" once the host (and its initial sync) has started.</summary>
    private static async Task<Uri> ReadListeningAddressAsync(System.Diagnostics.Process app, Task<string> errors, TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        var seen = new List<string>();
        while (await app.StandardOutput.ReadLineAsync(cts.Token) is { } line)
        {
            seen.Add(line);
            if (ListeningOn().Match(line) is { Success: true } match)
            {
                return new Uri(match.Groups[1].Value);
            }
        }

        throw new InvalidOperationException($"The consumer exited ({(app.HasExited ? app.ExitCode : -1)}) before listening:\n{string.Join('\n', seen)}\n{await errors}");
    }

    [GeneratedRegex(@"Now listening on: (http://127\.0\.0\.1:\d+)")]
    private static partial Regex ListeningOn();
}
