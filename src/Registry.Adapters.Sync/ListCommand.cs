using System.CommandLine;

namespace Registry.Adapters.Sync;

/// <summary><c>mesh-sync list</c>: waits for the initial sync, prints the merged catalog, exits 0 or 3.</summary>
internal static class ListCommand
{
    public static async Task<int> RunAsync(ParseResult result, CliOptions options, CliEnvironment env, CancellationToken cancellationToken)
    {
        var (context, session) = await CommandContext.StartAsync(result, options, env, cancellationToken).ConfigureAwait(false);
        await using (session.ConfigureAwait(false))
        {
            bool timedOut;
            await using (SyncStatusLine.Start(session.Catalog, env, context.Quiet).ConfigureAwait(false))
            {
                timedOut = await session.WaitForInitialSyncAsync(context.Timeout, cancellationToken).ConfigureAwait(false);
            }

            var document = CatalogPrinter.BuildDocument(session.Catalog.Current, context.Service, timedOut ? context.Timeout : null);
            if (context.Json)
            {
                await CatalogPrinter.WriteJsonAsync(document, env).ConfigureAwait(false);
            }
            else
            {
                CatalogPrinter.WriteTable(document, env);
            }

            return await CatalogPrinter.ReportRegistriesAsync(document, env).ConfigureAwait(false);
        }
    }
}
