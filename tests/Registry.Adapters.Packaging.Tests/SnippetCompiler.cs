using System.Collections.Immutable;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Registry.Adapters.Packaging.Tests;

/// <summary>
/// Compiles one Markdown C# block at a time, as a web project that references the packages would: the consumer app's
/// compile references (restored from the feed) and a web project's implicit global usings. Errors point at the
/// Markdown file and line.
/// </summary>
internal sealed partial class SnippetCompiler
{
    private static readonly CSharpParseOptions ParseOptions = new(LanguageVersion.Latest);
    private readonly ImmutableArray<MetadataReference> _references;
    private readonly SyntaxTree _globalUsings;

    public SnippetCompiler(IEnumerable<string> references, IEnumerable<string> globalUsings)
    {
        _references = [.. references.Where(r => r.Length > 0).Select(r => MetadataReference.CreateFromFile(r))];
        _globalUsings = CSharpSyntaxTree.ParseText(
            string.Concat(globalUsings.Where(u => u.Length > 0).Select(u => $"global using global::{u};\n")), ParseOptions, "GlobalUsings.g.cs");
    }

    /// <summary>The errors of compiling the block, each as "file:line:column: error CSxxxx: message".</summary>
    public IReadOnlyList<string> Compile(MarkdownSnippet snippet)
    {
        var source = snippet.IsFragment ? WrapFragment(snippet) : $"#line {snippet.Line} \"{snippet.File}\"\n{snippet.Code}\n";
        var tree = CSharpSyntaxTree.ParseText(source, ParseOptions, snippet.File + ".g.cs", Encoding.UTF8);
        var isProgram = tree.GetCompilationUnitRoot().Members.OfType<GlobalStatementSyntax>().Any();
        var compilation = CSharpCompilation.Create(
            "Snippet",
            [_globalUsings, tree],
            _references,
            new CSharpCompilationOptions(isProgram ? OutputKind.ConsoleApplication : OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));

        using var output = new MemoryStream();
        var result = compilation.Emit(output);
        return result.Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error).Select(Format).ToList();
    }

    private static string Format(Diagnostic diagnostic)
    {
        var span = diagnostic.Location.GetMappedLineSpan();
        return $"{span.Path}:{span.StartLinePosition.Line + 1}:{span.StartLinePosition.Character + 1}: error {diagnostic.Id}: {diagnostic.GetMessage(System.Globalization.CultureInfo.InvariantCulture)}";
    }

    /// <summary>
    /// A fragment: <c>using Registry.Adapters;</c> and its own using directives at the top, the rest as the body of an
    /// async method with the names of <see cref="MarkdownSnippets"/> in scope.
    /// </summary>
    private static string WrapFragment(MarkdownSnippet snippet)
    {
        var lines = snippet.Code.Split('\n');
        var usings = new StringBuilder();
        for (var i = 0; i < lines.Length && (UsingDirective().IsMatch(lines[i]) || lines[i].Trim().Length == 0); i++)
        {
            if (lines[i].Trim().Length > 0)
            {
                usings.Append($"#line {snippet.Line + i} \"{snippet.File}\"\n{lines[i]}\n");
                lines[i] = "";
            }
        }

        return $$"""
            using Registry.Adapters;
            {{usings}}
            #line default
            internal static class MarkdownFragment
            {
                private static string[] args = [];
                private static WebApplicationBuilder builder = null!;
                private static IServiceCollection services = null!;
                private static IConfiguration configuration = null!;
                private static WebApplication app = null!;
                private static IMeshCatalog catalog = null!;
                private static CancellationToken cancellationToken;
                private static CancellationToken ct;
                private static CancellationToken stoppingToken;

                private static async Task RunAsync()
                {
                    await Task.CompletedTask;
            #line {{snippet.Line}} "{{snippet.File}}"
            {{string.Join('\n', lines)}}
            #line default
                }
            }
            """;
    }

    [GeneratedRegex(@"^\s*using\s+(static\s+)?[\w.]+(\s*=\s*[\w.<>, ]+)?\s*;\s*(//.*)?$")]
    private static partial Regex UsingDirective();
}
