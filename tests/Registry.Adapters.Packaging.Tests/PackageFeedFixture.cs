using System.IO.Compression;
using System.Xml.Linq;
using Shouldly;
using Xunit;

namespace Registry.Adapters.Packaging.Tests;

[CollectionDefinition(Name)]
public sealed class PackageFeedTests : ICollectionFixture<PackageFeedFixture>
{
    public const string Name = "package feed";
}

/// <summary>
/// Packs the solution once (with no build: the test project builds every package project first) into a temporary
/// feed outside the repository, under a version of its own so that no package cache can serve an older build, and
/// writes the NuGet.config a user would: that feed for Registry.Adapters*, the repository's package sources for the rest.
/// </summary>
public sealed class PackageFeedFixture : IAsyncLifetime
{
    private static readonly TimeSpan BuildTimeout = TimeSpan.FromMinutes(6);
    private Task<ConsumerApp>? _consumer;
    private Task<SnippetCompiler>? _compiler;

    public string Root { get; } = Path.Combine(Path.GetTempPath(), "registry-adapters-pack-" + Guid.NewGuid().ToString("N")[..12]);

    public string Feed => Path.Combine(Root, "feed");

    /// <summary>The global packages folder of every restore from the feed (the machine's one is only a fallback).</summary>
    public string Packages => Path.Combine(Root, "packages");

    public string NuGetConfig => Path.Combine(Root, "NuGet.config");

    /// <summary>The package version of this run: the repository's version with a unique pre-release label.</summary>
    public string PackageVersion { get; } = $"{BuildInfo.Version}-pack.{Guid.NewGuid().ToString("N")[..12]}";

    public ProcessResult Pack { get; private set; } = null!;

    /// <summary>Package id → path of the .nupkg.</summary>
    public IReadOnlyDictionary<string, string> PackageFiles { get; private set; } = new Dictionary<string, string>();

    public async Task InitializeAsync()
    {
        Path.GetFullPath(Root).StartsWith(BuildInfo.RepositoryRoot, StringComparison.Ordinal).ShouldBeFalse("the feed and the consumers live outside the repository");
        Directory.CreateDirectory(Feed);
        Directory.CreateDirectory(Packages);

        Pack = await ProcessRunner.RunAsync("dotnet",
            ["pack", Path.Combine(BuildInfo.RepositoryRoot, "Registry.Adapters.sln"), "-c", BuildInfo.Configuration, "--no-build",
             "-o", Feed, $"-p:PackageVersion={PackageVersion}", "-nologo", "-v", "minimal"],
            BuildInfo.RepositoryRoot, BuildTimeout);
        Pack.ExitCode.ShouldBe(0, Pack.Describe("dotnet pack"));

        PackageFiles = Directory.GetFiles(Feed, "*.nupkg").ToDictionary(
            f => Path.GetFileName(f)[..^($".{PackageVersion}.nupkg".Length)], f => f, StringComparer.Ordinal);
        File.WriteAllText(NuGetConfig, CreateNuGetConfig());
    }

    public Task DisposeAsync()
    {
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
            // A process the test started may still hold a file for a moment; the temp directory is the system's to clean then.
        }

        return Task.CompletedTask;
    }

    /// <summary>The consumer web app, built once from the feed and shared by the tests that need it.</summary>
    internal Task<ConsumerApp> GetConsumerAsync() => _consumer ??= ConsumerApp.CreateAsync(this, BuildTimeout);

    /// <summary>A compiler of Markdown C# blocks against what the consumer app compiles against.</summary>
    internal Task<SnippetCompiler> GetSnippetCompilerAsync() => _compiler ??= CreateCompilerAsync();

    private async Task<SnippetCompiler> CreateCompilerAsync()
    {
        var consumer = await GetConsumerAsync();
        return new SnippetCompiler(consumer.References, consumer.GlobalUsings, consumer.Analyzers);
    }

    public XDocument ReadNuspec(string id)
    {
        using var zip = ZipFile.OpenRead(PackageFiles[id]);
        using var stream = zip.Entries.Single(e => e.FullName == $"{id}.nuspec").Open();
        return XDocument.Load(stream);
    }

    private string CreateNuGetConfig()
    {
        var repositorySources = XDocument.Load(Path.Combine(BuildInfo.RepositoryRoot, "NuGet.config"))
            .Descendants("packageSources").Elements("add").ToList();
        repositorySources.ShouldNotBeEmpty("the repository's NuGet.config names its package sources");
        var machinePackages = Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } configured
            ? configured
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");

        var config = new XElement("configuration",
            new XElement("config", new XElement("add", new XAttribute("key", "globalPackagesFolder"), new XAttribute("value", Packages))),
            new XElement("packageSources", new XElement("clear"),
                new XElement("add", new XAttribute("key", "local-feed"), new XAttribute("value", Feed)),
                repositorySources.Select(s => new XElement(s))),
            // What the repository's restore already downloaded is used from the machine's cache: no network for those.
            new XElement("fallbackPackageFolders", new XElement("clear"),
                new XElement("add", new XAttribute("key", "machine"), new XAttribute("value", machinePackages))),
            // Registry.Adapters* only ever from the local feed; everything else from the repository's sources.
            new XElement("packageSourceMapping", new XElement("clear"),
                new XElement("packageSource", new XAttribute("key", "local-feed"),
                    new XElement("package", new XAttribute("pattern", "Registry.Adapters")),
                    new XElement("package", new XAttribute("pattern", "Registry.Adapters.*"))),
                repositorySources.Select(s => new XElement("packageSource", new XAttribute("key", (string)s.Attribute("key")!),
                    new XElement("package", new XAttribute("pattern", "*"))))));
        return new XDocument(config).ToString();
    }
}
