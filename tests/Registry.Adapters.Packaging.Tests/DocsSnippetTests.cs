using Shouldly;
using Xunit;

namespace Registry.Adapters.Packaging.Tests;

[Collection(PackageFeedTests.Name)]
public sealed class DocsSnippetTests(PackageFeedFixture feed)
{
    public static TheoryData<string> Snippets() => new(MarkdownSnippets.All(BuildInfo.RepositoryRoot).Select(s => s.Location));

    [Theory]
    [MemberData(nameof(Snippets))]
    public async Task CSharpBlock_CompilesAgainstThePackages(string location)
    {
        var snippet = MarkdownSnippets.All(BuildInfo.RepositoryRoot).Single(s => s.Location == location);
        var compiler = await feed.GetSnippetCompilerAsync();

        var errors = compiler.Compile(snippet);

        errors.ShouldBeEmpty($"{location}{(snippet.IsFragment ? " (fragment)" : "")}:\n{snippet.Code}\n\n{string.Join('\n', errors)}");
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
