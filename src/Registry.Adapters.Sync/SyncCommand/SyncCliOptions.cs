using System.CommandLine;
using System.Globalization;

namespace Registry.Adapters.Sync;

/// <summary>The options of <c>mesh-sync sync</c> beside the shared registry options.</summary>
internal sealed class SyncCliOptions
{
    public Option<string[]> To { get; } = Many("--to", "NAME", "A target registry of the configuration (repeatable). Required unless Mesh:Sync:To is configured.");

    public Option<string[]> From { get; } = Many("--from", "NAME", "A source registry (repeatable). The default is every registry that is not a target.");

    public Option<string[]> Services { get; } = Many("--service", "GLOB", "Only mesh services matching this name or glob (orders*); repeatable.");

    public Option<string[]> Exclude { get; } = Many("--exclude", "GLOB", "Not the mesh services matching this name or glob; repeatable; beats --service.");

    public Option<bool> OnlyHealthy { get; } = new("--only-healthy") { Description = "Mirror healthy instances only (the default mirrors every instance with its health)." };

    public Option<string?> SyncId { get; } = new("--sync-id") { Description = "The id every written record carries (a DNS label). The default is mesh-sync.", HelpName = "ID" };

    public Option<string?> NameTemplate { get; } = new("--name-template") { Description = "The target service name of a mesh service, with {service} (mesh-{service}). The default is {service}.", HelpName = "TEMPLATE" };

    public Option<bool> Once { get; } = new("--once") { Description = "One reconcile pass, then exit." };

    public Option<bool> DryRun { get; } = new("--dry-run") { Description = "Print the plan of one pass and exit without writing." };

    public Option<bool> Purge { get; } = new("--purge") { Description = "Remove everything this sync id owns in the targets, then exit." };

    public Option<TimeSpan?> Resync { get; } = Duration("--resync", "How often the targets are listed again and drift repaired: 5m, 30s. The default is 5 minutes.");

    public Option<double?> MaxWritesPerSecond { get; } = new("--max-writes-per-second") { Description = "The most record writes per second. The default is 500.", HelpName = "N" };

    public Option<double?> MaxDeleteRatio { get; } = new("--max-delete-ratio") { Description = "A pass that would delete more than this share of the owned records holds its deletes; 1 confirms any. The default is 0.5.", HelpName = "0..1" };

    /// <summary><c>--listen</c> and the serve options that go with it (token file, insecure listen, SSE clients); no listen by default.</summary>
    public Serve.ServeCliOptions Serve { get; } = new(listenDefault: null);

    public void AddTo(Command command)
    {
        foreach (var option in new Option[] { To, From, Services, Exclude, OnlyHealthy, SyncId, NameTemplate, Once, DryRun, Purge, Resync, MaxWritesPerSecond, MaxDeleteRatio })
        {
            command.Options.Add(option);
        }

        Serve.AddTo(command);
    }

    /// <summary>Overlays the command line on <paramref name="options"/> (bound from <c>Mesh:Sync</c>).</summary>
    public void Apply(ParseResult result, SyncOptions options)
    {
        Replace(options.To, result.GetValue(To));
        Replace(options.From, result.GetValue(From));
        Replace(options.Services, result.GetValue(Services));
        Replace(options.Exclude, result.GetValue(Exclude));
        options.OnlyHealthy |= result.GetValue(OnlyHealthy);
        options.SyncId = result.GetValue(SyncId) ?? options.SyncId;
        options.NameTemplate = result.GetValue(NameTemplate) ?? options.NameTemplate;
        options.DryRun |= result.GetValue(DryRun);
        options.Purge |= result.GetValue(Purge);
        options.Resync = result.GetValue(Resync) ?? options.Resync;
        options.MaxWritesPerSecond = result.GetValue(MaxWritesPerSecond) ?? options.MaxWritesPerSecond;
        options.MaxDeleteRatio = result.GetValue(MaxDeleteRatio) ?? options.MaxDeleteRatio;
    }

    private static void Replace(IList<string> target, string[]? values)
    {
        if (values is not { Length: > 0 })
        {
            return;
        }

        target.Clear();
        foreach (var value in values.SelectMany(static v => v.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)))
        {
            target.Add(value);
        }
    }

    private static Option<string[]> Many(string name, string helpName, string description) => new(name)
    {
        Description = description,
        HelpName = helpName,
        Arity = ArgumentArity.OneOrMore,
        AllowMultipleArgumentsPerToken = false,
    };

    private static Option<TimeSpan?> Duration(string name, string description) => new(name)
    {
        Description = description,
        HelpName = "DURATION",
        CustomParser = result =>
        {
            var text = result.Tokens.Count > 0 ? result.Tokens[^1].Value : null;
            if (Durations.TryParse(text, out var value))
            {
                return value;
            }

            result.AddError(string.Create(CultureInfo.InvariantCulture, $"{name}: '{text}' is not a duration; use seconds (30), or 30s, 5m."));
            return null;
        },
    };
}
