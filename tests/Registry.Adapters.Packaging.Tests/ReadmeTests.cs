using System.Text.RegularExpressions;
using Shouldly;
using Xunit;

namespace Registry.Adapters.Packaging.Tests;

/// <summary>The README is for users: install first, short, a map of every page of docs/, links that resolve.</summary>
public sealed partial class ReadmeTests
{
    private static readonly string Root = BuildInfo.RepositoryRoot;
    private static readonly string[] Readme = File.ReadAllLines(Path.Combine(Root, "README.md"));

    [Fact]
    public void Readme_IsAtMost200Lines() => Readme.Length.ShouldBeLessThanOrEqualTo(200);

    [Fact]
    public void Readme_FirstSectionAndFirstBlock_InstallThePackageAndTheTool()
    {
        Readme.First(l => l.StartsWith("## ", StringComparison.Ordinal)).ShouldBe("## Install");
        var first = MarkdownBlocks(Readme).First();
        first.ShouldContain(l => l.StartsWith("dotnet add package Registry.Adapters ", StringComparison.Ordinal));
        first.ShouldContain(l => l.StartsWith("dotnet tool install --global Registry.Adapters.Sync", StringComparison.Ordinal));
    }

    [Fact]
    public void Readme_MapsEveryPageOfTheDocs()
    {
        var linked = Links(Readme).Select(l => l.Split('#')[0]).ToHashSet(StringComparer.Ordinal);
        foreach (var page in Directory.GetFiles(Path.Combine(Root, "docs"), "*.md"))
        {
            linked.ShouldContain($"docs/{Path.GetFileName(page)}", $"the README's map of the docs links docs/{Path.GetFileName(page)}");
        }
    }

    [Fact]
    public void Readme_NamesEveryPackage()
    {
        foreach (var project in Directory.GetDirectories(Path.Combine(Root, "src")).Select(Path.GetFileName))
        {
            Readme.ShouldContain(l => l.Contains($"`{project}`", StringComparison.Ordinal), $"the README's package table names {project}");
        }
    }

    [Fact]
    public void Readme_SetUpCommands_RunTheSampleCatalogAndEveryTest_AsCiDoes()
    {
        var commands = MarkdownBlocks(Readme).SelectMany(b => b).Select(l => l.Trim()).ToList();
        commands.ShouldContain("dotnet run --project src/Registry.Adapters.Sync -- list");
        commands.ShouldContain("bash scripts/test.sh");
        File.Exists(Path.Combine(Root, "src", "Registry.Adapters.Sync", "Registry.Adapters.Sync.csproj")).ShouldBeTrue();
        File.ReadAllLines(Path.Combine(Root, ".ci", "run")).ShouldContain("exec bash scripts/test.sh");
    }

    [Fact]
    public void Markdown_RelativeLinks_PointAtFilesThatExist()
    {
        var pages = new[] { Path.Combine(Root, "README.md") }.Concat(Directory.GetFiles(Path.Combine(Root, "docs"), "*.md"));
        var broken = new List<string>();
        foreach (var page in pages)
        {
            foreach (var link in Links(File.ReadAllLines(page)))
            {
                var target = link.Split('#')[0];
                if (target.Length > 0 && !File.Exists(Path.Combine(Path.GetDirectoryName(page)!, target)) && !Directory.Exists(Path.Combine(Path.GetDirectoryName(page)!, target)))
                {
                    broken.Add($"{Path.GetRelativePath(Root, page)}: {link}");
                }
            }
        }

        broken.ShouldBeEmpty();
    }

    /// <summary>The relative link targets of a page, outside code blocks.</summary>
    private static IEnumerable<string> Links(IEnumerable<string> lines)
    {
        var inCode = false;
        foreach (var line in lines)
        {
            if (line.TrimStart().StartsWith("```", StringComparison.Ordinal))
            {
                inCode = !inCode;
                continue;
            }

            if (inCode)
            {
                continue;
            }

            foreach (Match match in Link().Matches(line))
            {
                var target = match.Groups[1].Value;
                if (!target.Contains("://", StringComparison.Ordinal) && !target.StartsWith("mailto:", StringComparison.Ordinal) && !target.StartsWith('#'))
                {
                    yield return target;
                }
            }
        }
    }

    private static IEnumerable<List<string>> MarkdownBlocks(IReadOnlyList<string> lines)
    {
        List<string>? block = null;
        foreach (var line in lines)
        {
            if (line.TrimStart().StartsWith("```", StringComparison.Ordinal))
            {
                if (block is null)
                {
                    block = [];
                }
                else
                {
                    yield return block;
                    block = null;
                }
            }
            else
            {
                block?.Add(line);
            }
        }
    }

    [GeneratedRegex(@"\]\(([^)\s]+)\)")]
    private static partial Regex Link();
}
