using Shouldly;
using Xunit;

namespace Registry.Adapters.Packaging.Tests;

[Collection(PackageFeedTests.Name)]
public sealed class DocsSnippetTests(PackageFeedFixture feed)
{
    public static TheoryData<string> Snippets() => new(MarkdownSnippets.Units(BuildInfo.RepositoryRoot).Select(u => u.Name));

    [Theory]
    [MemberData(nameof(Snippets))]
    public async Task CSharpBlock_CompilesAgainstThePackages(string location)
    {
        var snippets = MarkdownSnippets.Units(BuildInfo.RepositoryRoot).Single(u => u.Name == location).Snippets;
        var compiler = await feed.GetSnippetCompilerAsync();

        var errors = compiler.Compile(snippets);

        errors.ShouldBeEmpty($"{location}:\n{string.Join("\n\n", snippets.Select(s => $"{s.Location}{(s.IsFragment ? " (fragment)" : "")}:\n{s.Code}"))}\n\n{string.Join('\n', errors)}");
    }

    [Fact]
    public async Task Compiler_CompilesTheBlocksOfOneProjectTogether_WithTheSourceGenerators()
    {
        var compiler = await feed.GetSnippetCompilerAsync();
        compiler.GeneratorCount.ShouldBeGreaterThanOrEqualTo(3);
        string[] lines =
        [
            "<!-- snippet: project p -->", "```csharp", "using System.Text.Json.Serialization;", "namespace P;",
            "internal sealed record Item(string Name);", "[JsonSerializable(typeof(Item))]", "internal sealed partial class ItemJson : JsonSerializerContext;", "```",
            "<!-- snippet: project p -->", "```csharp", "namespace P;", "internal static class Use", "{",
            "    public static string Write() => System.Text.Json.JsonSerializer.Serialize(new Item(\"a\"), ItemJson.Default.Item);", "}", "```",
        ];
        var snippets = MarkdownSnippets.Parse("docs/z.md", lines).ToList();
        snippets.Select(s => s.Project).ShouldBe(["p", "p"]);

        compiler.Compile(snippets).ShouldBeEmpty();
        var alone = compiler.Compile(snippets[1]);
        alone.ShouldNotBeEmpty();
        alone.ShouldAllBe(e => e.StartsWith("docs/z.md:14:", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Compiler_ReportsAnErrorInABlock_AtItsMarkdownLine()
    {
        var compiler = await feed.GetSnippetCompilerAsync();
        var lines = new[] { "Text.", "", "```csharp", "using Registry.Adapters;", "", "var catalog = default(IMeshCatalog)!;", "catalog.Resolv(\"orders\");", "```" };
        var snippet = MarkdownSnippets.Parse("docs/x.md", lines).ShouldHaveSingleItem();

        compiler.Compile(snippet).ShouldHaveSingleItem().ShouldStartWith("docs/x.md:7:9: error CS1061");
        compiler.Compile(snippet with { Code = snippet.Code.Replace("Resolv(", "Resolve(", StringComparison.Ordinal) }).ShouldBeEmpty();
    }

    [Fact]
    public async Task Compiler_CompilesAMarkedFragment_WithTheDocumentedNamesInScope()
    {
        var compiler = await feed.GetSnippetCompilerAsync();
        var lines = new[] { MarkdownSnippets.FragmentMarker, "```csharp", "using Registry.Adapters;", "builder.Services.AddMeshRegistry(configuration.GetSection(\"Mesh\"));",
            "var catalog = app.Services.GetRequiredService<IMeshCatalog>();", "await catalog.WaitForInitialSyncAsync(ct);", "services.AddMeshRegistry().AddNoSuchThing();", "```" };
        var snippet = MarkdownSnippets.Parse("docs/y.md", lines).ShouldHaveSingleItem();
        snippet.IsFragment.ShouldBeTrue();

        compiler.Compile(snippet).ShouldHaveSingleItem().ShouldStartWith("docs/y.md:7:");
        MarkdownSnippets.Parse("docs/y.md", lines.Skip(1).ToArray()).ShouldHaveSingleItem().IsFragment.ShouldBeFalse();
    }

    [Fact]
    public void Markdown_HasCSharpBlocks_InTheReadmeAndTheDocs()
    {
        var snippets = MarkdownSnippets.All(BuildInfo.RepositoryRoot).ToList();
        snippets.ShouldContain(s => s.File == "README.md");
        snippets.ShouldContain(s => s.File.StartsWith("docs/", StringComparison.Ordinal));
        snippets.Select(s => s.Location).ShouldBeUnique();
    }
}
