using System.CommandLine;
using System.CommandLine.Help;

namespace Registry.Adapters.Sync;

/// <summary>The <c>mesh-sync</c> command line: <c>list</c> and <c>watch</c>, exit codes 0, 2 and 3.</summary>
internal static class MeshSyncCli
{
    /// <summary>Runs the console as a user would, writing to <paramref name="env"/>.</summary>
    /// <param name="args">The arguments.</param>
    /// <param name="env">Where to write.</param>
    /// <param name="cancellationToken">Stops a running command as Ctrl+C does (the program cancels it on SIGINT and SIGTERM).</param>
    /// <returns>The exit code.</returns>
    public static async Task<int> RunAsync(string[] args, CliEnvironment env, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(env);
        var options = new CliOptions(RegistryShortcuts.All);
        // A named command rather than RootCommand, so help says 'mesh-sync' however the program is started.
        var root = new Command("mesh-sync", "Prints and watches the merged catalog of every configured service registry.")
        {
            Options = { new HelpOption(), new VersionOption() },
        };

        var list = new Command("list", "Waits for the initial sync of every registry (bounded by --timeout), prints the merged catalog, and exits.");
        options.AddTo(list);
        list.SetAction((result, token) => GuardAsync(env, ExitCodes.Interrupted, () => ListCommand.RunAsync(result, options, env, token), token));
        root.Subcommands.Add(list);

        var watch = new Command("watch", "Prints the merged catalog, then one line per change, until interrupted (Ctrl+C exits 0).");
        options.AddTo(watch);
        watch.SetAction((result, token) => GuardAsync(env, ExitCodes.Ok, () => WatchCommand.RunAsync(result, options, env, token), token));
        root.Subcommands.Add(watch);
        root.Subcommands.Add(Serve.ServeCommand.Create(options, env));
        root.Subcommands.Add(Export.ExportCommand.Create(options, env, GuardAsync));
        root.Subcommands.Add(Completion.CreateCommand(env));
        if (Completion.TrySuggest(root, args, env))
        {
            return ExitCodes.Ok;
        }

        var syncOptions = new SyncCliOptions();
        var sync = new Command("sync", "Mirrors the merged catalog of the sources into the target registries (--to NAME); loop-safe, restart-safe, diff-based.");
        options.AddTo(sync, withService: false);
        syncOptions.AddTo(sync);
        sync.SetAction((result, token) => GuardAsync(env, ExitCodes.Ok, () => SyncCommand.RunAsync(result, options, syncOptions, env, token), token));
        root.Subcommands.Add(sync);

        var parsed = root.Parse(args);
        if (parsed.Errors.Count > 0)
        {
            await env.Error.WriteLineAsync($"mesh-sync: {Redaction.Redact(ParseErrors.Describe(parsed))} See 'mesh-sync --help'.").ConfigureAwait(false);
            return ExitCodes.Usage;
        }

        var invocation = new InvocationConfiguration
        {
            Output = env.Out,
            Error = env.Error,
            EnableDefaultExceptionHandler = false,
            ProcessTerminationTimeout = null,
        };

        return await parsed.InvokeAsync(invocation, cancellationToken).ConfigureAwait(false);
    }

    internal static async Task<int> GuardAsync(CliEnvironment env, int interruptedExitCode, Func<Task<int>> run, CancellationToken interrupted)
    {
        try
        {
            return await run().ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (interrupted.IsCancellationRequested)
        {
            // Ctrl+C or SIGTERM while a command was still starting or syncing: a clean exit, never a crash.
            return interruptedExitCode;
        }
        catch (CliUsageException ex)
        {
            await env.Error.WriteLineAsync($"mesh-sync: {OneLine(Redaction.Redact(ex.Message))}").ConfigureAwait(false);
            return ExitCodes.Usage;
        }
        catch (Exception ex) when (ex is not OutOfMemoryException and not OperationCanceledException)
        {
            await env.Error.WriteLineAsync($"mesh-sync: unexpected error: {ex.GetType().Name}: {OneLine(Redaction.Redact(ex.Message))}").ConfigureAwait(false);
            return ExitCodes.Crash;
        }
    }

    private static string OneLine(string text) => string.Join(' ', text.Split(['\r', '\n', '\t'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
}
