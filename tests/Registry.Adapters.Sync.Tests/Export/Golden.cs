using Shouldly;

namespace Registry.Adapters.Sync.Tests.Export;

/// <summary>
/// Golden files under Export/Golden (copied beside the tests). Set <c>REGISTRY_ADAPTERS_UPDATE_GOLDEN=1</c> to rewrite them
/// in the source tree from the actual output, then review the diff.
/// </summary>
internal static class Golden
{
    public static void Match(string name, string actual)
    {
        actual = actual.Replace("\r\n", "\n", StringComparison.Ordinal);
        if (Environment.GetEnvironmentVariable("REGISTRY_ADAPTERS_UPDATE_GOLDEN") == "1")
        {
            File.WriteAllText(Path.Combine(SourceFolder(), name), actual);
        }

        var path = Path.Combine(AppContext.BaseDirectory, "Export", "Golden", name);
        File.Exists(path).ShouldBeTrue($"golden file {name} is missing; run with REGISTRY_ADAPTERS_UPDATE_GOLDEN=1 to create it");
        actual.ShouldBe(File.ReadAllText(path).Replace("\r\n", "\n", StringComparison.Ordinal), $"output differs from Export/Golden/{name}");
    }

    private static string SourceFolder()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Registry.Adapters.sln")))
        {
            dir = dir.Parent;
        }

        return Path.Combine(dir!.FullName, "tests", "Registry.Adapters.Sync.Tests", "Export", "Golden");
    }
}
