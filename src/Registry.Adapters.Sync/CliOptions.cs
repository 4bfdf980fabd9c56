using System.CommandLine;
using System.CommandLine.Parsing;

namespace Registry.Adapters.Sync;

/// <summary>The options every command shares: registries (<c>--config</c> and the <see cref="RegistryShortcuts"/>), output and timing.</summary>
internal sealed class CliOptions
{
    public CliOptions(IReadOnlyList<RegistryShortcut> shortcuts)
    {
        Shortcuts = [.. shortcuts.Select(static s => new ShortcutOption(s, CreateOption(s)))];
    }

    public Option<string?> Config { get; } = new("--config")
    {
        Description = "A JSON file with the mesh settings: the 'Mesh' section of appsettings.json (a root object with a \"Mesh\" key), or that section itself.",
        HelpName = "PATH",
    };

    public Option<string?> Output { get; } = CreateOutputOption();

    public Option<string?> Service { get; } = new("--service")
    {
        Description = "Only this mesh service (aliases apply).",
        HelpName = "NAME",
    };

    public Option<TimeSpan> Timeout { get; } = CreateTimeoutOption();

    public Option<bool> Verbose { get; } = new("--verbose")
    {
        Description = "Log at Debug level to standard error, every registry's retries included (the default is warnings and errors only).",
    };

    public Option<bool> Quiet { get; } = new("--quiet")
    {
        Description = "Only errors on standard error: no warnings and no status line.",
    };

    public IReadOnlyList<ShortcutOption> Shortcuts { get; }

    /// <summary>Adds the options to a command (<c>sync</c> has its own repeatable <c>--service GLOB</c>).</summary>
    public void AddTo(Command command, bool withService = true)
    {
        command.Options.Add(Config);
        foreach (var shortcut in Shortcuts)
        {
            command.Options.Add(shortcut.Option);
        }

        command.Options.Add(Output);
        if (withService)
        {
            command.Options.Add(Service);
        }

        command.Options.Add(Timeout);
        command.Options.Add(Verbose);
        command.Options.Add(Quiet);
        command.Validators.Add(result =>
        {
            if (result.GetValue(Verbose) && result.GetValue(Quiet))
            {
                result.AddError("--verbose and --quiet exclude each other; give one.");
            }
        });
    }

    /// <summary>The shortcut registries, in command-line order, as (kind, configuration keys).</summary>
    /// <exception cref="CliUsageException">A shortcut's value is invalid.</exception>
    public IReadOnlyList<(string Kind, IReadOnlyDictionary<string, string?> Keys)> GetShortcutRegistries(ParseResult result) =>
        [.. GetShortcuts(result).Select(static s => (s.Kind, s.Keys))];

    /// <summary>The shortcut registries, in command-line order, with the option that added each.</summary>
    /// <exception cref="CliUsageException">A shortcut's value is invalid.</exception>
    public IReadOnlyList<(string Option, string Kind, IReadOnlyDictionary<string, string?> Keys)> GetShortcuts(ParseResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        var registries = new List<(string, string, IReadOnlyDictionary<string, string?>)>();
        var tokens = result.Tokens;
        for (var i = 0; i < tokens.Count; i++)
        {
            var token = tokens[i];
            if (token.Type != TokenType.Option || Shortcuts.FirstOrDefault(s => s.Option.Name == token.Value || s.Option.Aliases.Contains(token.Value)) is not { } shortcut)
            {
                continue;
            }

            string? value = null;
            if (shortcut.Shortcut.TakesValue)
            {
                value = i + 1 < tokens.Count && tokens[i + 1].Type == TokenType.Argument ? tokens[i + 1].Value : null;
            }

            try
            {
                var keys = shortcut.Shortcut.ToConfiguration(value);
                ShortcutChecks.Check(shortcut, value, allowMissingFile: result.CommandResult.Command.Name == "sync");
                registries.Add((shortcut.Shortcut.Option, shortcut.Kind, keys));
            }
            catch (ArgumentException ex)
            {
                throw new CliUsageException(ShortcutChecks.NameOption(shortcut.Shortcut.Option, ex.Message), ex);
            }
        }

        return registries;
    }

    private static Option CreateOption(RegistryShortcut shortcut) => shortcut.TakesValue
        ? new Option<string[]>(shortcut.Option)
        {
            Description = shortcut.Description,
            HelpName = shortcut.ValueName,
            Arity = ArgumentArity.ZeroOrMore,
            AllowMultipleArgumentsPerToken = false,
        }
        : new Option<bool>(shortcut.Option) { Description = shortcut.Description };

    private static Option<string?> CreateOutputOption()
    {
        var option = new Option<string?>("--output", "-o")
        {
            Description = "table or json. The default is table when standard output is a terminal, else json.",
            HelpName = "table|json",
        };
        string[] formats = ["table", "json"];
        option.CompletionSources.Add(formats);
        option.Validators.Add(result =>
        {
            var value = result.Tokens.Count > 0 ? result.Tokens[^1].Value : null;
            if (value is not null && !formats.Contains(value))
            {
                var near = Suggestions.Closest(value, formats);
                result.AddError($"--output: '{value}' is not one of table, json{(near is null ? "" : $" (did you mean '{near}'?)")}.");
            }
        });
        return option;
    }

    private static Option<TimeSpan> CreateTimeoutOption() => new("--timeout")
    {
        Description = "How long to wait for the initial sync of every registry: 10, 10s, 500ms, 1m. The default is 10 s.",
        HelpName = "DURATION",
        DefaultValueFactory = static _ => TimeSpan.FromSeconds(10),
        CustomParser = static result =>
        {
            var text = result.Tokens.Count > 0 ? result.Tokens[^1].Value : null;
            if (Durations.TryParseAny(text, out var value))
            {
                if (value > TimeSpan.Zero)
                {
                    return value;
                }

                result.AddError($"--timeout: must be positive, and '{text}' is not; use e.g. 10s, 500ms, 1m.");
                return default;
            }

            result.AddError($"--timeout: '{text}' is not a duration; use seconds (10), or 10s, 500ms, 1m.");
            return default;
        },
    };
}

/// <summary>A registry shortcut and its command-line option.</summary>
internal sealed record ShortcutOption(RegistryShortcut Shortcut, Option Option)
{
    /// <summary>The kind the shortcut adds.</summary>
    public string Kind => Shortcut.Kind;
}
