using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Nodes;
using Registry.Adapters.Kubernetes.Istio;

namespace Registry.Adapters.Sync.Export;

/// <summary><c>mesh-sync export istio</c>: prints a ServiceEntry (and WorkloadEntries) per selected mesh service, as YAML or a JSON <c>List</c>.</summary>
internal static class ExportCommand
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    /// <summary>Creates <c>export</c> with its <c>istio</c> subcommand.</summary>
    /// <param name="options">The shared registry options.</param>
    /// <param name="env">Where to write.</param>
    /// <param name="guard">The console's error guard (usage errors → 2, interruption, unexpected errors).</param>
    public static Command Create(CliOptions options, CliEnvironment env, Func<CliEnvironment, int, Func<Task<int>>, CancellationToken, Task<int>> guard)
    {
        var export = new ExportOptions();
        var istio = new Command("istio", "Prints a networking.istio.io/v1 ServiceEntry per selected mesh service (YAML, or JSON with --output json) for kubectl apply -f.");
        istio.Options.Add(options.Config);
        foreach (var shortcut in options.Shortcuts)
        {
            istio.Options.Add(shortcut.Option);
        }

        export.AddTo(istio);
        istio.Options.Add(options.Timeout);
        istio.Options.Add(options.Verbose);
        istio.SetAction((result, token) => guard(env, ExitCodes.Interrupted, () => RunAsync(result, options, export, env, token), token));
        return new Command("export", "Prints the merged catalog as another system's configuration.") { Subcommands = { istio } };
    }

    private static async Task<int> RunAsync(ParseResult result, CliOptions options, ExportOptions export, CliEnvironment env, CancellationToken cancellationToken)
    {
        var mapping = export.ToMapping(result);
        var selection = new ServiceSelection(
            result.GetValue(export.Service) ?? [],
            result.GetValue(export.Exclude) ?? [],
            result.GetValue(export.From) ?? [],
            result.GetValue(export.OnlyHealthy));
        var timeout = result.GetValue(options.Timeout);
        var (section, registries) = MeshSyncConfiguration.Build(result.GetValue(options.Config), options.GetShortcutRegistries(result));
        var session = await MeshSession.StartAsync(section, registries == 0, env, result.GetValue(options.Verbose), cancellationToken).ConfigureAwait(false);
        await using (session.ConfigureAwait(false))
        {
            var timedOut = await session.WaitForInitialSyncAsync(timeout, cancellationToken).ConfigureAwait(false);
            var snapshot = session.Catalog.Current;
            var unknown = selection.From.FirstOrDefault(f => !snapshot.Registries.Any(r => string.Equals(r.Name, f, StringComparison.OrdinalIgnoreCase)));
            if (unknown is not null)
            {
                throw new CliUsageException($"--from: there is no registry named '{ServiceInstanceValidator.Printable(unknown, 64)}' (registries: {string.Join(", ", snapshot.Registries.Select(static r => r.Name))}).");
            }

            var objects = new List<JsonObject>();
            foreach (var service in selection.Apply(snapshot))
            {
                var mapped = ServiceEntryMapper.Map(service, mapping);
                objects.AddRange(mapped.Objects);
                foreach (var skip in mapped.Skipped)
                {
                    await env.Error.WriteLineAsync(Redaction.Redact($"mesh-sync: skipped in {ServiceInstanceValidator.Printable(skip.Service, 64)}: {skip.What}: {skip.Reason}")).ConfigureAwait(false);
                }
            }

            if (result.GetValue(export.Output) == "json")
            {
                var list = new JsonObject { ["apiVersion"] = "v1", ["kind"] = "List", ["items"] = new JsonArray([.. objects]) };
                await env.Out.WriteLineAsync(list.ToJsonString(Indented)).ConfigureAwait(false);
            }
            else
            {
                YamlDocuments.Write(env.Out, objects);
            }

            await env.Out.FlushAsync(cancellationToken).ConfigureAwait(false);
            var document = CatalogPrinter.BuildDocument(snapshot, null, timedOut ? timeout : null);
            return await CatalogPrinter.ReportRegistriesAsync(document, env).ConfigureAwait(false);
        }
    }
}
