using System.Reflection;

namespace Registry.Adapters.Packaging.Tests;

/// <summary>What the test project was built from (see the csproj's AssemblyMetadata).</summary>
internal static class BuildInfo
{
    public static string RepositoryRoot { get; } = Path.GetFullPath(Get("RepositoryRoot"));

    public static string Configuration { get; } = Get("Configuration");

    public static string Version { get; } = Get("Version");

    private static string Get(string key) =>
        typeof(BuildInfo).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == key).Value
        ?? throw new InvalidOperationException($"AssemblyMetadata {key} is empty.");
}
