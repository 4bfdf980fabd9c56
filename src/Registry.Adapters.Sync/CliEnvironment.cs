namespace Registry.Adapters.Sync;

/// <summary>Where the console writes, and what it writes to: tests pass string writers.</summary>
/// <param name="Out">Standard output: the catalog, and nothing else.</param>
/// <param name="Error">Standard error: errors, warnings and logs.</param>
/// <param name="IsOutputTerminal">Standard output is a terminal: the default output is a table, with colour.</param>
/// <param name="NoColor">The <c>NO_COLOR</c> environment variable is set.</param>
/// <param name="TerminalWidth">The width a table fits: the terminal's, else <c>COLUMNS</c>, else 120.</param>
/// <param name="IsErrorTerminal">Standard error is a terminal: a live status line is shown while registries sync.</param>
internal sealed record CliEnvironment(TextWriter Out, TextWriter Error, bool IsOutputTerminal, bool NoColor, int TerminalWidth = CliEnvironment.DefaultWidth, bool IsErrorTerminal = false)
{
    /// <summary>The width when the terminal's is unknown.</summary>
    public const int DefaultWidth = 120;

    /// <summary>The process's console.</summary>
    public static CliEnvironment FromConsole()
    {
        var terminal = !Console.IsOutputRedirected;
        var width = 0;
        if (terminal || !Console.IsErrorRedirected)
        {
            try
            {
                width = Console.WindowWidth;
            }
            catch (IOException)
            {
            }
        }

        return new CliEnvironment(
            Console.Out,
            Console.Error,
            terminal,
            !string.IsNullOrEmpty(Environment.GetEnvironmentVariable("NO_COLOR")),
            Width(width, Environment.GetEnvironmentVariable("COLUMNS")),
            !Console.IsErrorRedirected);
    }

    /// <summary>The table width: a known terminal width, else a valid <c>COLUMNS</c>, else <see cref="DefaultWidth"/>.</summary>
    internal static int Width(int terminalWidth, string? columns)
    {
        if (terminalWidth > 0)
        {
            return terminalWidth;
        }

        return int.TryParse(columns, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var parsed) && parsed > 0
            ? parsed
            : DefaultWidth;
    }
}
