using System.CommandLine;
using Microsoft.Extensions.Logging;

namespace Registry.Adapters.Sync;

/// <summary>What <c>list</c> and <c>watch</c> read from the command line, and the mesh session they start.</summary>
internal sealed record CommandContext(bool Json, string? Service, TimeSpan Timeout, bool Verbose, bool Quiet = false)
{
    /// <summary>The log level <c>--verbose</c> and <c>--quiet</c> select: Debug, Error, else Warning.</summary>
    public LogLevel LogLevel => Verbose ? LogLevel.Debug : Quiet ? LogLevel.Error : LogLevel.Warning;

    public static async Task<(CommandContext Context, MeshSession Session)> StartAsync(
        ParseResult result, CliOptions options, CliEnvironment env, CancellationToken cancellationToken)
    {
        var output = result.GetValue(options.Output);
        var context = new CommandContext(
            output is null ? !env.IsOutputTerminal : output == "json",
            result.GetValue(options.Service),
            result.GetValue(options.Timeout),
            result.GetValue(options.Verbose),
            result.GetValue(options.Quiet));
        var shortcuts = options.GetShortcuts(result);
        var (section, registries) = MeshSyncConfiguration.Build(result.GetValue(options.Config), [.. shortcuts.Select(static s => (s.Kind, s.Keys))]);
        try
        {
            var session = await MeshSession.StartAsync(section, registries == 0, env, context.LogLevel, cancellationToken).ConfigureAwait(false);
            return (context, session);
        }
        catch (CliUsageException ex)
        {
            // A setting of a registry added by --kubeconfig is named as --kubeconfig, not as Mesh:Registries:N.
            throw new CliUsageException(ShortcutChecks.NameShortcutSettings(ex.Message, section, [.. shortcuts.Select(static s => s.Option)]), ex);
        }
    }
}
