using System.Text.Json;

namespace Registry.Adapters.Packaging.Tests;

/// <summary>samples/catalog.json, the catalog the console embeds and the consumer app reads.</summary>
internal static class SampleCatalog
{
    private static readonly JsonDocument Document = JsonDocument.Parse(File.ReadAllText(Path.Combine(BuildInfo.RepositoryRoot, "samples", "catalog.json")));

    public static IReadOnlyList<string> ServiceNames() =>
        Document.RootElement.GetProperty("services").EnumerateArray().Select(s => s.GetProperty("name").GetString()!).ToList();

    public static IReadOnlyList<string> InstanceIds(string service) =>
        Document.RootElement.GetProperty("services").EnumerateArray()
            .Single(s => s.GetProperty("name").GetString() == service)
            .GetProperty("instances").EnumerateArray().Select(i => i.GetProperty("id").GetString()!).ToList();
}
