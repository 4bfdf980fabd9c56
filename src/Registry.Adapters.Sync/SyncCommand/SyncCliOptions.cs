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

    public Option<string?> LeaderElect { get; } = LeaderElectOption();

    public Option<string?> LeaderElectRegistry { get; } = new("--leader-elect-registry") { Description = "The registry whose connection holds the election. The default is the only registry of the --leader-elect kind.", HelpName = "NAME" };

    public Option<string?> ElectionName { get; } = new("--election-name") { Description = "The election name (a DNS label); replicas with the same name share the work. The default is the sync id.", HelpName = "NAME" };

    public Option<TimeSpan?> LeaseDuration { get; } = Duration("--lease-duration", "How long leadership lasts without renewal (a crashed leader is replaced after it); the renew deadline is 2/3 of it, the retry period 2/15. The default is 15s.");

    public Option<int?> Shards { get; } = new("--shards") { Description = "Split the mesh services into N shards by a hash of their name, each with its own election, so N replicas share the writes (needs --leader-elect). The default is 1.", HelpName = "N" };

    /// <summary><c>--listen</c> and the serve options that go with it (token file, insecure listen, SSE clients); no listen by default.</summary>
    public Serve.ServeCliOptions Serve { get; } = new(listenDefault: null);

    public void AddTo(Command command)
    {
        foreach (var option in new Option[] { To, From, Services, Exclude, OnlyHealthy, SyncId, NameTemplate, Once, DryRun, Purge, Resync, MaxWritesPerSecond, MaxDeleteRatio, LeaderElect, LeaderElectRegistry, ElectionName, LeaseDuration, Shards })
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
        var election = options.LeaderElection;
        election.Kind = result.GetValue(LeaderElect) ?? election.Kind;
        election.Registry = result.GetValue(LeaderElectRegistry) ?? election.Registry;
        election.Name = result.GetValue(ElectionName) ?? election.Name;
        if (result.GetValue(LeaseDuration) is { } lease)
        {
            // The Kubernetes client's proportions (15 s, 10 s, 2 s): renew well before the lease can expire.
            election.LeaseDuration = lease;
            election.RenewDeadline = lease * 2 / 3;
            election.RetryPeriod = lease * 2 / 15;
        }

        options.Shards = result.GetValue(Shards) ?? options.Shards;
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

    private static Option<string?> LeaderElectOption()
    {
        var option = new Option<string?>("--leader-elect")
        {
            Description = "Leader election in a registry of this kind: none (every replica writes), etcd, consul or kubernetes. Standbys read and stay ready but do not write. The default is none.",
            HelpName = "none|etcd|consul|kubernetes",
        };
        string[] kinds = ["none", "etcd", "consul", "kubernetes"];
        option.CompletionSources.Add(kinds);
        option.Validators.Add(result =>
        {
            var value = result.Tokens.Count > 0 ? result.Tokens[^1].Value : null;
            if (value is not null && !kinds.Contains(value))
            {
                result.AddError($"--leader-elect: '{ServiceInstanceValidator.Printable(value)}' is not one of none, etcd, consul, kubernetes.");
            }
        });
        return option;
    }

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
