using System.Text.Json;
using Shouldly;
using Xunit;

namespace Registry.Adapters.Packaging.Tests;

[Collection(PackageFeedTests.Name)]
public sealed class ToolInstallTests(PackageFeedFixture feed)
{
    [Fact]
    public async Task Tool_InstalledFromTheFeed_ListsTheEmbeddedSampleCatalog()
    {
        var tools = Path.Combine(feed.Root, "tools");
        var install = await ProcessRunner.RunAsync("dotnet",
            ["tool", "install", ToolPackage.Id, "--version", feed.PackageVersion, "--tool-path", tools, "--configfile", feed.NuGetConfig],
            feed.Root, TimeSpan.FromMinutes(5));
        install.ExitCode.ShouldBe(0, install.Describe("dotnet tool install"));

        var list = await ProcessRunner.RunAsync(Path.Combine(tools, ToolPackage.Command), ["list", "--output", "json"], feed.Root, TimeSpan.FromMinutes(1));

        list.ExitCode.ShouldBe(0, list.Describe("mesh-sync list"));
        using var catalog = JsonDocument.Parse(list.Output);
        catalog.RootElement.GetProperty("services").EnumerateArray().Select(s => s.GetProperty("name").GetString())
            .ShouldBe(SampleCatalog.ServiceNames().Order(StringComparer.Ordinal));
        catalog.RootElement.GetProperty("registries").EnumerateArray()
            .ShouldAllBe(r => r.GetProperty("state").GetString() == "ready");
    }
}
