using System.Text.RegularExpressions;

namespace Registry.Adapters.Packaging.Tests;

/// <summary>A ```csharp block of a Markdown file: where it is, its code, and whether it is marked as a fragment.</summary>
public sealed record MarkdownSnippet(string File, int Line, string Code, bool IsFragment, string? Project = null)
{
    /// <summary>"docs/usage.md:12", the file relative to the repository and the line of the block's first code line.</summary>
    public string Location => $"{File}:{Line}";

    public override string ToString() => Location;
}

/// <summary>
/// Finds the C# blocks of the user-facing Markdown: README.md, docs/*.md and each package's README.
/// A block compiles on its own (a program with top-level statements, or type declarations), unless the line before its
/// fence is <c>&lt;!-- snippet: fragment --&gt;</c>: then it compiles, with <c>using Registry.Adapters;</c>, as the body
/// of an async method in which <c>args</c>, <c>builder</c> (WebApplicationBuilder), <c>services</c>, <c>configuration</c>,
/// <c>app</c> (WebApplication), <c>catalog</c> (IMeshCatalog) and <c>cancellationToken</c>/<c>ct</c>/<c>stoppingToken</c>
/// exist (docs/development.md says so for writers). Blocks after <c>&lt;!-- snippet: project NAME --&gt;</c> are the
/// files of one project: all blocks of a Markdown file with the same NAME compile together.
/// </summary>
public static partial class MarkdownSnippets
{
    public const string FragmentMarker = "<!-- snippet: fragment -->";

    /// <summary>The test cases: each block alone, except that the blocks of one project are one case.</summary>
    public static IEnumerable<(string Name, IReadOnlyList<MarkdownSnippet> Snippets)> Units(string root) =>
        All(root).GroupBy(s => s.Project is null ? s.Location : $"{s.File}#{s.Project}")
            .Select(g => (g.Key, (IReadOnlyList<MarkdownSnippet>)g.ToList()));

    public static IEnumerable<string> Files(string root) =>
        new[] { Path.Combine(root, "README.md") }
            .Concat(Directory.GetFiles(Path.Combine(root, "docs"), "*.md").Order(StringComparer.Ordinal))
            .Concat(Directory.GetFiles(Path.Combine(root, "src"), "README.md", SearchOption.AllDirectories).Order(StringComparer.Ordinal));

    public static IEnumerable<MarkdownSnippet> All(string root) =>
        Files(root).SelectMany(f => Parse(Path.GetRelativePath(root, f).Replace('\\', '/'), File.ReadAllLines(f)));

    public static IEnumerable<MarkdownSnippet> Parse(string file, IReadOnlyList<string> lines)
    {
        for (var i = 0; i < lines.Count; i++)
        {
            var open = Fence().Match(lines[i]);
            if (!open.Success)
            {
                continue;
            }

            var indent = open.Groups["indent"].Value;
            var fence = open.Groups["fence"].Value;
            var isCSharp = CSharpInfo().IsMatch(open.Groups["info"].Value);
            var start = i + 1;
            var end = start;
            while (end < lines.Count && !IsClosing(lines[end], fence))
            {
                end++;
            }

            if (isCSharp)
            {
                var previous = lines.Take(i).Reverse().FirstOrDefault(l => l.Trim().Length > 0)?.Trim();
                var code = string.Join('\n', lines.Skip(start).Take(end - start).Select(l => l.StartsWith(indent, StringComparison.Ordinal) ? l[indent.Length..] : l));
                var project = previous is null ? null : ProjectMarker().Match(previous) is { Success: true } m ? m.Groups[1].Value : null;
                yield return new MarkdownSnippet(file, start + 1, code, previous == FragmentMarker, project);
            }

            i = end;
        }
    }

    private static bool IsClosing(string line, string fence)
    {
        var trimmed = line.Trim();
        return trimmed.Length >= fence.Length && trimmed.All(c => c == fence[0]);
    }

    [GeneratedRegex(@"^(?<indent>\s*)(?<fence>`{3,}|~{3,})\s*(?<info>[^\s`]*)")]
    private static partial Regex Fence();

    [GeneratedRegex(@"^<!-- snippet: project ([\w.-]+) -->$")]
    private static partial Regex ProjectMarker();

    [GeneratedRegex(@"^(csharp|cs|c#)$", RegexOptions.IgnoreCase)]
    private static partial Regex CSharpInfo();
}
