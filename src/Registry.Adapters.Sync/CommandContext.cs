using System.CommandLine;

namespace Registry.Adapters.Sync;

/// <summary>What <c>list</c> and <c>watch</c> read from the command line, and the mesh session they start.</summary>
internal sealed record CommandContext(bool Json, string? Service, TimeSpan Timeout, bool Verbose)
{
    public static async Task<(CommandContext Context, MeshSession Session)> StartAsync(
        ParseResult result, CliOptions options, CliEnvironment env, CancellationToken cancellationToken)
    {
        var output = result.GetValue(options.Output);
        var context = new CommandContext(
            output is null ? !env.IsOutputTerminal : output == "json",
            result.GetValue(options.Service),
            result.GetValue(options.Timeout),
            result.GetValue(options.Verbose));
        var shortcuts = options.GetShortcutRegistries(result);
        var (section, registries) = MeshSyncConfiguration.Build(result.GetValue(options.Config), shortcuts);
        var session = await MeshSession.StartAsync(section, registries == 0, env, context.Verbose, cancellationToken).ConfigureAwait(false);
        return (context, session);
    }
}
