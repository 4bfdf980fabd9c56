using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Registry.Adapters.Sync.Serialization;

namespace Registry.Adapters.Sync;

/// <summary><c>mesh-sync watch</c>: prints the catalog, then one line per changed service (the catalog's typed changes), until interrupted.</summary>
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

            // Watch first, then read the snapshot: no later change is missed (FollowAsync drops what the snapshot shows).
            var changes = session.Catalog.WatchAsync(cancellationToken);
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
            await FollowAsync(session, changes, last, context, env, cancellationToken).ConfigureAwait(false);
        }

        return ExitCodes.Ok;
    }

    /// <summary>
    /// Prints the catalog's typed changes (<see cref="IMeshCatalog.WatchAsync"/>) and the registries' state transitions
    /// until interrupted or the catalog stops. A change is printed against what was printed last for its service: one the
    /// snapshot already showed is not repeated, so the watch may start before the snapshot is read and miss nothing.
    /// </summary>
    private static async Task FollowAsync(
        MeshSession session, IAsyncEnumerable<MeshChangeBatch> changes, MeshSnapshot snapshot, CommandContext context, CliEnvironment env, CancellationToken cancellationToken)
    {
        var printed = snapshot.GetServices().ToDictionary(static s => s.Name, StringComparer.OrdinalIgnoreCase);
        var filter = Filter(session.Options, context.Service);
        var registries = snapshot;
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var batches = changes.GetAsyncEnumerator(stop.Token);
        var next = batches.MoveNextAsync().AsTask();
        try
        {
            while (true)
            {
                var changed = session.Catalog.GetChangeToken();
                var batchDue = next.IsCompleted;

                // Read after the batch completed: the transitions that led to it are printed before its lines.
                var current = session.Catalog.Current;
                if (current.Revision != registries.Revision)
                {
                    await ReportStateChangesAsync(registries, current, context, env).ConfigureAwait(false);
                    registries = current;
                }

                if (batchDue)
                {
                    if (!await next.ConfigureAwait(false))
                    {
                        return;
                    }

                    await PrintChangesAsync(batches.Current, printed, filter, context, env).ConfigureAwait(false);
                    next = batches.MoveNextAsync().AsTask();
                    continue;
                }

                var woken = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                using (changed.RegisterChangeCallback(static state => ((TaskCompletionSource)state!).TrySetResult(), woken))
                {
                    await Task.WhenAny(next, woken.Task).ConfigureAwait(false);
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Ctrl+C: the watch ends cleanly (exit 0).
        }
        finally
        {
            // The enumerator is disposed only once its pending read has ended.
            await stop.CancelAsync().ConfigureAwait(false);
            try
            {
                await next.ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
            }

            await batches.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>The mesh names <c>--service</c> selects: the name, and the service an alias of it points to.</summary>
    private static HashSet<string>? Filter(MeshOptions options, string? service)
    {
        if (service is null)
        {
            return null;
        }

        var names = new HashSet<string>(StringComparer.OrdinalIgnoreCase) { service };
        if (options.Aliases.TryGetValue(service, out var target))
        {
            names.Add(target);
        }

        return names;
    }

    private static async Task PrintChangesAsync(MeshChangeBatch batch, Dictionary<string, MeshService> printed, HashSet<string>? filter, CommandContext context, CliEnvironment env)
    {
        foreach (var change in batch.Changes)
        {
            var service = change.Service;
            if (filter is not null && !filter.Contains(service.Name))
            {
                continue;
            }

            printed.TryGetValue(service.Name, out var previous);
            string kind;
            if (change.Kind == MeshChangeKind.Removed)
            {
                if (previous is null)
                {
                    continue;
                }

                kind = "removed";
                service = service with { Instances = [] };
                printed.Remove(service.Name);
            }
            else
            {
                if (previous is not null && SameInstances(previous, service))
                {
                    continue;
                }

                kind = previous is null ? "added" : "updated";
                printed[service.Name] = service;
            }

            await PrintChangeAsync(kind, service, batch.Revision, context, env).ConfigureAwait(false);
        }
    }

    private static async Task PrintChangeAsync(string kind, MeshService service, long revision, CommandContext context, CliEnvironment env)
    {
        var item = CatalogDocumentWriter.ToDocument(service);
        if (context.Json)
        {
            var line = new WatchChangeLine { Type = kind, Revision = revision, Service = item };
            await WriteLineAsync(env, JsonSerializer.Serialize(line, CatalogJsonContext.Compact.WatchChangeLine)).ConfigureAwait(false);
        }
        else
        {
            var healthy = service.Instances.Count(static i => i.Instance.Health == HealthStatus.Healthy);
            var where = string.Join(' ', item.Instances.Select(static i => $"{i.Id}@{CatalogPrinter.Address(i)}{(i.Stale == true ? " (stale)" : "")}"));
            var stale = service.Instances.Count(static i => i.Stale);
            await WriteLineAsync(env, string.Create(
                CultureInfo.InvariantCulture,
                $"[rev {revision}] {kind,-7} {service.Name}: {service.Instances.Length} instances, {healthy} healthy{(stale > 0 ? $", {stale} stale" : "")}{(where.Length > 0 ? " — " + where : "")}")).ConfigureAwait(false);
        }
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

    private static async Task WriteLineAsync(CliEnvironment env, string line)
    {
        await env.Out.WriteLineAsync(line).ConfigureAwait(false);
        await env.Out.FlushAsync().ConfigureAwait(false);
    }
}
