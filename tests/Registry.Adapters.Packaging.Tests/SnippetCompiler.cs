using System.Collections.Immutable;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;

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
    private readonly ImmutableArray<ISourceGenerator> _generators;

    /// <summary>The source generators a block may rely on: JSON serializer contexts, [LoggerMessage], [GeneratedRegex], options validators.</summary>
    private static readonly string[] Generators =
        ["System.Text.Json.SourceGeneration", "Microsoft.Extensions.Logging.Generators", "System.Text.RegularExpressions.Generator", "Microsoft.Extensions.Options.SourceGeneration"];

    public SnippetCompiler(IEnumerable<string> references, IEnumerable<string> globalUsings, IEnumerable<string> analyzers)
    {
        _references = [.. references.Where(r => r.Length > 0).Select(r => MetadataReference.CreateFromFile(r))];
        var loader = new AnalyzerLoader();
        _generators = [.. analyzers.Where(a => Generators.Contains(Path.GetFileNameWithoutExtension(a), StringComparer.Ordinal))
            .SelectMany(a => new AnalyzerFileReference(a, loader).GetGenerators(LanguageNames.CSharp))];
        _globalUsings = CSharpSyntaxTree.ParseText(
            string.Concat(globalUsings.Where(u => u.Length > 0).Select(u => $"global using global::{u};\n")), ParseOptions, "GlobalUsings.g.cs");
    }

    /// <summary>The generators found among the consumer's analyzers (the test checks they were).</summary>
    public int GeneratorCount => _generators.Length;

    /// <summary>The errors of compiling the block, each as "file:line:column: error CSxxxx: message".</summary>
    public IReadOnlyList<string> Compile(MarkdownSnippet snippet) => Compile([snippet]);

    /// <summary>The errors of compiling the blocks together, as the files of one project.</summary>
    public IReadOnlyList<string> Compile(IReadOnlyList<MarkdownSnippet> snippets)
    {
        var trees = snippets.Select(snippet => CSharpSyntaxTree.ParseText(
            snippet.IsFragment ? WrapFragment(snippet) : $"#line {snippet.Line} \"{snippet.File}\"\n{snippet.Code}\n",
            ParseOptions, $"{snippet.File}.{snippet.Line}.g.cs", Encoding.UTF8)).ToList();
        var isProgram = trees.Any(t => t.GetCompilationUnitRoot().Members.OfType<GlobalStatementSyntax>().Any());
        var compilation = CSharpCompilation.Create(
            "Snippet",
            [_globalUsings, .. trees],
            _references,
            new CSharpCompilationOptions(isProgram ? OutputKind.ConsoleApplication : OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));
        CSharpGeneratorDriver.Create(_generators, parseOptions: ParseOptions)
            .RunGeneratorsAndUpdateCompilation(compilation, out var generated, out var generatorDiagnostics);

        using var output = new MemoryStream();
        var result = generated.Emit(output);
        return generatorDiagnostics.Concat(result.Diagnostics).Where(d => d.Severity == DiagnosticSeverity.Error).Select(Format).ToList();
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

    private sealed class AnalyzerLoader : IAnalyzerAssemblyLoader
    {
        public void AddDependencyLocation(string fullPath)
        {
        }

        public System.Reflection.Assembly LoadFromPath(string fullPath) => System.Reflection.Assembly.LoadFrom(fullPath);
    }

    [GeneratedRegex(@"^\s*using\s+(static\s+)?[\w.]+(\s*=\s*[\w.<>, ]+)?\s*;\s*(//.*)?$")]
    private static partial Regex UsingDirective();
}
