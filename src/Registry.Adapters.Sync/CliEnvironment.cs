namespace Registry.Adapters.Sync;

/// <summary>Where the console writes, and what it writes to: tests pass string writers.</summary>
/// <param name="Out">Standard output: the catalog, and nothing else.</param>
/// <param name="Error">Standard error: errors, warnings and logs.</param>
/// <param name="IsOutputTerminal">Standard output is a terminal: the default output is a table, with colour.</param>
/// <param name="NoColor">The <c>NO_COLOR</c> environment variable is set.</param>
/// <param name="TerminalWidth">The terminal width, when <paramref name="IsOutputTerminal"/>.</param>
internal sealed record CliEnvironment(TextWriter Out, TextWriter Error, bool IsOutputTerminal, bool NoColor, int TerminalWidth = 120)
{
    /// <summary>The process's console.</summary>
    public static CliEnvironment FromConsole()
    {
        var terminal = !Console.IsOutputRedirected;
        var width = 120;
        if (terminal)
        {
            try
            {
                width = Math.Max(Console.WindowWidth, 40);
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
            width);
    }
}
