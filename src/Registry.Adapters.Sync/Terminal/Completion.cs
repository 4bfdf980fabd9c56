using System.CommandLine;
using System.Globalization;

namespace Registry.Adapters.Sync;

/// <summary>
/// Shell completion: <c>mesh-sync [suggest:POSITION] "LINE"</c> prints the completions of a command line
/// (the protocol of <c>dotnet-suggest</c>), and <c>mesh-sync completion bash|zsh|pwsh</c> prints a script
/// that wires a shell to it.
/// </summary>
internal static class Completion
{
    private const string Directive = "[suggest";

    /// <summary>The shells <c>completion</c> writes a script for.</summary>
    public static readonly string[] Shells = ["bash", "zsh", "pwsh"];

    /// <summary>The <c>completion</c> command.</summary>
    public static Command CreateCommand(CliEnvironment env)
    {
        var shell = new Argument<string>("shell") { Description = "bash, zsh or pwsh." };
        shell.AcceptOnlyFromAmong(Shells);
        var command = new Command("completion", "Prints the shell completion script for bash, zsh or pwsh (e.g. mesh-sync completion bash >> ~/.bashrc).")
        {
            Arguments = { shell },
        };
        command.SetAction(result =>
        {
            env.Out.Write(Script(result.GetValue(shell)!));
            env.Out.Flush();
            return ExitCodes.Ok;
        });
        return command;
    }

    /// <summary>Answers a <c>[suggest]</c> request, when <paramref name="args"/> is one.</summary>
    /// <returns><see langword="true"/> when the arguments were a completion request and the completions are written.</returns>
    public static bool TrySuggest(Command root, string[] args, CliEnvironment env)
    {
        ArgumentNullException.ThrowIfNull(root);
        ArgumentNullException.ThrowIfNull(args);
        if (args.Length == 0 || !args[0].StartsWith(Directive, StringComparison.Ordinal) || !args[0].EndsWith(']'))
        {
            return false;
        }

        int? position = null;
        var colon = args[0].IndexOf(':', StringComparison.Ordinal);
        if (colon > 0 && int.TryParse(args[0][(colon + 1)..^1], NumberStyles.None, CultureInfo.InvariantCulture, out var at))
        {
            position = at;
        }

        ParseResult parsed;
        if (args.Length == 2)
        {
            // The whole line as the shell has it, usually with the program name first.
            var (line, offset) = WithoutProgramName(root, args[1]);
            parsed = root.Parse(line);
            position = position is { } p ? Math.Clamp(p - offset, 0, line.Length) : line.Length;
        }
        else
        {
            parsed = root.Parse(args[1..]);
            position = null;
        }

        foreach (var item in parsed.GetCompletions(position))
        {
            env.Out.WriteLine(item.Label);
        }

        env.Out.Flush();
        return true;
    }

    /// <summary>The completion script of a shell.</summary>
    public static string Script(string shell) => shell switch
    {
        "bash" => """
            # mesh-sync completion for bash: add to ~/.bashrc, or: source <(mesh-sync completion bash)
            _mesh_sync_complete() {
                local IFS=$'\n'
                COMPREPLY=( $(mesh-sync "[suggest:${COMP_POINT}]" "${COMP_LINE}" 2>/dev/null) )
            }
            complete -o default -F _mesh_sync_complete mesh-sync

            """,
        "zsh" => """
            # mesh-sync completion for zsh: add to ~/.zshrc, or: source <(mesh-sync completion zsh)
            _mesh_sync_complete() {
                local -a completions
                local line="${words[*]}"
                completions=("${(@f)$(mesh-sync "[suggest:${#line}]" "${line}" 2>/dev/null)}")
                compadd -a completions
            }
            compdef _mesh_sync_complete mesh-sync

            """,
        "pwsh" => """
            # mesh-sync completion for PowerShell: add to $PROFILE, or: mesh-sync completion pwsh | Out-String | Invoke-Expression
            Register-ArgumentCompleter -Native -CommandName mesh-sync -ScriptBlock {
                param($wordToComplete, $commandAst, $cursorPosition)
                mesh-sync "[suggest:$cursorPosition]" "$commandAst" 2>$null | ForEach-Object {
                    [System.Management.Automation.CompletionResult]::new($_, $_, 'ParameterValue', $_)
                }
            }

            """,
        _ => throw new ArgumentOutOfRangeException(nameof(shell), shell, "Not a supported shell."),
    };

    private static (string Line, int Offset) WithoutProgramName(Command root, string line)
    {
        var start = 0;
        while (start < line.Length && char.IsWhiteSpace(line[start]))
        {
            start++;
        }

        var end = start;
        while (end < line.Length && !char.IsWhiteSpace(line[end]))
        {
            end++;
        }

        var first = line[start..end];
        var known = root.Subcommands.Any(c => c.Name == first) || first.StartsWith('-');
        if (known || first.Length == 0)
        {
            return (line, 0);
        }

        while (end < line.Length && char.IsWhiteSpace(line[end]))
        {
            end++;
        }

        return (line[end..], end);
    }
}
