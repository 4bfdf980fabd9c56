using System.CommandLine;

namespace Registry.Adapters.Sync;

/// <summary>
/// Every parse error as one line: an unrecognized word first, with the command or option it was
/// probably meant to be (<c>Unrecognized command or argument 'lst' (did you mean 'list'?)</c>), then the rest.
/// </summary>
internal static class ParseErrors
{
    /// <summary>Describes the errors of a parse.</summary>
    /// <param name="parsed">A parse with at least one error.</param>
    /// <returns>One line, without the <c>mesh-sync:</c> prefix.</returns>
    public static string Describe(ParseResult parsed)
    {
        ArgumentNullException.ThrowIfNull(parsed);
        var candidates = Candidates(parsed.CommandResult.Command);
        var unmatched = parsed.UnmatchedTokens.ToHashSet(StringComparer.Ordinal);
        var first = new List<string>();
        var rest = new List<string>();
        foreach (var error in parsed.Errors)
        {
            var message = Flatten(error.Message).TrimEnd('.');
            var token = unmatched.FirstOrDefault(t => message.Contains($"'{t}'", StringComparison.Ordinal));
            if (token is null)
            {
                rest.Add(message);
                continue;
            }

            var suggestion = Suggestions.Closest(token, token.StartsWith('-') ? candidates.Options : candidates.Commands);
            first.Add(suggestion is null ? message : $"{message} (did you mean '{suggestion}'?)");
        }

        return string.Join("; ", first.Concat(rest).Distinct(StringComparer.Ordinal)) + ".";
    }

    /// <summary>The subcommand names and option names (with aliases) valid after <paramref name="command"/>.</summary>
    internal static (IReadOnlyList<string> Commands, IReadOnlyList<string> Options) Candidates(Command command)
    {
        var commands = command.Subcommands.Where(static c => !c.Hidden).SelectMany(static c => c.Aliases.Prepend(c.Name)).ToList();
        var options = command.Options.Where(static o => !o.Hidden).SelectMany(static o => o.Aliases.Prepend(o.Name)).ToList();
        return (commands, options);
    }

    private static string Flatten(string text) =>
        string.Join(' ', text.Split(['\r', '\n', '\t'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
}
