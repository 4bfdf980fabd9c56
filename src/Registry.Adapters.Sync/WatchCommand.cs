using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.Primitives;
using Registry.Adapters.Sync.Serialization;

namespace Registry.Adapters.Sync;

/// <summary><c>mesh-sync watch</c>: prints the catalog, then one line per changed service, until interrupted.</summary>
internal static class WatchCommand
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

            var last = session.Catalog.Current;
            var document = CatalogPrinter.BuildDocument(last, context.Service, timedOut ? context.Timeout : null);
            if (context.Json)
            {
                var line = new WatchSnapshotLine { Revision = document.Revision, Services = document.Services, Registries = document.Registries };
                await WriteLineAsync(env, JsonSerializer.Serialize(line, CatalogJsonContext.Compact.WatchSnapshotLine)).ConfigureAwait(false);
            }
            else
            {
                CatalogPrinter.WriteTable(document, env);
                await env.Error.WriteLineAsync("mesh-sync: watching for changes (Ctrl+C to stop)").ConfigureAwait(false);
            }

            await CatalogPrinter.ReportRegistriesAsync(document, env).ConfigureAwait(false);
            while (!cancellationToken.IsCancellationRequested)
            {
                var token = session.Catalog.GetChangeToken();
                var current = session.Catalog.Current;
                if (current.Revision != last.Revision)
                {
                    await ReportStateChangesAsync(last, current, context, env).ConfigureAwait(false);
                    await PrintChangesAsync(last, current, context, env).ConfigureAwait(false);
                    last = current;
                    continue;
                }

                if (!await WaitAsync(token, cancellationToken).ConfigureAwait(false))
                {
                    break;
                }
            }
        }

        return ExitCodes.Ok;
    }

    private static async Task PrintChangesAsync(MeshSnapshot before, MeshSnapshot after, CommandContext context, CliEnvironment env)
    {
        foreach (var (kind, service) in Diff(before, after))
        {
            if (context.Service is not null && after.Find(context.Service)?.Name != service.Name && before.Find(context.Service)?.Name != service.Name)
            {
                continue;
            }

            var item = CatalogDocumentWriter.ToDocument(service);
            if (context.Json)
            {
                var line = new WatchChangeLine { Type = kind, Revision = after.Revision, Service = item };
                await WriteLineAsync(env, JsonSerializer.Serialize(line, CatalogJsonContext.Compact.WatchChangeLine)).ConfigureAwait(false);
            }
            else
            {
                var healthy = service.Instances.Count(static i => i.Instance.Health == HealthStatus.Healthy);
                var where = string.Join(' ', item.Instances.Select(static i => $"{i.Id}@{CatalogPrinter.Address(i)}{(i.Stale == true ? " (stale)" : "")}"));
                var stale = service.Instances.Count(static i => i.Stale);
                await WriteLineAsync(env, string.Create(
                    CultureInfo.InvariantCulture,
                    $"[rev {after.Revision}] {kind,-7} {service.Name}: {service.Instances.Length} instances, {healthy} healthy{(stale > 0 ? $", {stale} stale" : "")}{(where.Length > 0 ? " — " + where : "")}")).ConfigureAwait(false);
            }
        }
    }

    /// <summary>The services that differ between two snapshots, sorted by name: added, updated (instances differ) or removed.</summary>
    internal static IEnumerable<(string Kind, MeshService Service)> Diff(MeshSnapshot before, MeshSnapshot after)
    {
        var old = before.GetServices().ToDictionary(static s => s.Name, StringComparer.Ordinal);
        var changes = new List<(string, MeshService)>();
        foreach (var service in after.GetServices())
        {
            if (!old.Remove(service.Name, out var previous))
            {
                changes.Add(("added", service));
            }
            else if (!SameInstances(previous, service))
            {
                changes.Add(("updated", service));
            }
        }

        changes.AddRange(old.Values.Select(static s => ("removed", s with { Instances = [] })));
        return changes.OrderBy(static c => c.Item2.Name, StringComparer.Ordinal);
    }

    private static bool SameInstances(MeshService a, MeshService b)
    {
        if (a.Instances == b.Instances)
        {
            return true;
        }

        if (a.Instances.Length != b.Instances.Length)
        {
            return false;
        }

        for (var i = 0; i < a.Instances.Length; i++)
        {
            var x = a.Instances[i];
            var y = b.Instances[i];
            if (!string.Equals(x.Registry, y.Registry, StringComparison.Ordinal) || x.Stale != y.Stale || !x.Instance.Equals(y.Instance))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// A registry's state transition (stale, failed, ready) or new error: with the table, one line in the stream of
    /// changes on standard output (<c>[rev 5] registry file (file): stale — …</c>); with JSON, on standard error,
    /// so standard output stays JSON lines.
    /// </summary>
    private static async Task ReportStateChangesAsync(MeshSnapshot before, MeshSnapshot after, CommandContext context, CliEnvironment env)
    {
        foreach (var registry in after.Registries)
        {
            var previous = before.Registries.FirstOrDefault(r => r.Name == registry.Name);
            if (previous is not null && (previous.State != registry.State || !string.Equals(previous.Error, registry.Error, StringComparison.Ordinal)))
            {
                var state = CatalogDocumentWriter.StateName(registry.State);
                if (context.Json)
                {
                    var error = registry.Error is null ? "" : ": " + Redaction.Redact(registry.Error);
                    await env.Error.WriteLineAsync($"mesh-sync: registry '{registry.Name}' ({registry.Kind}) is {state}{error}").ConfigureAwait(false);
                }
                else
                {
                    var error = registry.Error is null ? "" : " — " + Redaction.Redact(registry.Error);
                    await WriteLineAsync(env, string.Create(
                        CultureInfo.InvariantCulture,
                        $"[rev {after.Revision}] registry {registry.Name} ({registry.Kind}): {state}{error}")).ConfigureAwait(false);
                }
            }
        }
    }

    private static async Task<bool> WaitAsync(IChangeToken token, CancellationToken cancellationToken)
    {
        if (token.HasChanged)
        {
            return true;
        }

        var changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var registration = token.RegisterChangeCallback(static state => ((TaskCompletionSource)state!).TrySetResult(), changed);
        try
        {
            await changed.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    private static async Task WriteLineAsync(CliEnvironment env, string line)
    {
        await env.Out.WriteLineAsync(line).ConfigureAwait(false);
        await env.Out.FlushAsync().ConfigureAwait(false);
    }
}
