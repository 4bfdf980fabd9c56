using Registry.Adapters.Sync.Serialization;

namespace Registry.Adapters.Sync;

/// <summary>Prints the catalog document as JSON or a table, and reports failing registries on standard error.</summary>
internal static partial class CatalogPrinter
{
    /// <summary>Builds the document of a snapshot; registries still syncing after a timeout get an error saying so.</summary>
    public static CatalogDocument BuildDocument(MeshSnapshot snapshot, string? service, TimeSpan? timedOutAfter)
    {
        var document = CatalogDocumentWriter.Build(snapshot, service, Redaction.Redact);
        if (timedOutAfter is { } timeout)
        {
            foreach (var registry in document.Registries.Where(static r => r.State == "syncing" && r.Error is null))
            {
                registry.Error = $"did not sync within {Durations.Format(timeout)} (--timeout)";
            }
        }

        return document;
    }

    public static async Task WriteJsonAsync(CatalogDocument document, CliEnvironment env)
    {
        await env.Out.WriteLineAsync(CatalogDocumentWriter.ToJson(document)).ConfigureAwait(false);
        await env.Out.FlushAsync().ConfigureAwait(false);
    }

    /// <summary>Writes one line per registry that is not ready to standard error.</summary>
    /// <returns><see cref="ExitCodes.Ok"/> when every registry is ready, else <see cref="ExitCodes.RegistryFailed"/>.</returns>
    public static async Task<int> ReportRegistriesAsync(CatalogDocument document, CliEnvironment env)
    {
        var failed = 0;
        foreach (var registry in document.Registries.Where(static r => r.State != "ready"))
        {
            failed++;
            await env.Error.WriteLineAsync(DescribeRegistry(registry)).ConfigureAwait(false);
        }

        return failed == 0 ? ExitCodes.Ok : ExitCodes.RegistryFailed;
    }

    public static string DescribeRegistry(CatalogRegistryDocument registry) =>
        $"mesh-sync: registry '{registry.Name}' ({registry.Kind}) is {registry.State}{(registry.Error is null ? "" : ": " + registry.Error)}";
}
