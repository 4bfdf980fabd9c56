using System.IO.Compression;
using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;
using System.Text;
using System.Text.Json;
using System.Xml.Linq;
using Shouldly;
using Xunit;

namespace Registry.Adapters.Packaging.Tests;

[Collection(PackageFeedTests.Name)]
public sealed class PackageContentTests(PackageFeedFixture feed)
{
    /// <summary>The custom debug information kind of a SourceLink document (Portable PDB spec).</summary>
    private static readonly Guid SourceLinkKind = new("CC110556-A091-4D38-9FEC-25AB9A351A6A");

    public static TheoryData<string> PackageIds() => new(SourceProjects());

    [Fact]
    public void Pack_Solution_IsWarningFree()
    {
        feed.Pack.Output.ShouldNotContain("warning", Case.Insensitive, feed.Pack.Describe("dotnet pack"));
        feed.Pack.Error.ShouldBeEmpty();
    }

    [Fact]
    public void Pack_Solution_MakesOnePackagePerSourceProject_AndNoneForTestsBenchmarksOrSamples()
    {
        feed.PackageFiles.Keys.Order(StringComparer.Ordinal).ShouldBe(SourceProjects().Order(StringComparer.Ordinal));
        Directory.GetFiles(feed.Feed).Select(Path.GetFileName).ShouldAllBe(f => f!.EndsWith(".nupkg", StringComparison.Ordinal));
    }

    [Theory]
    [MemberData(nameof(PackageIds))]
    public void Package_Metadata_NamesLicenceUrlsTagsReadmeAndCommit(string id)
    {
        var metadata = Metadata(feed.ReadNuspec(id));
        string Value(string name) => metadata.Element(metadata.Name.Namespace + name)?.Value ?? "";

        Value("version").ShouldBe(feed.PackageVersion);
        Value("description").Length.ShouldBeGreaterThan(40);
        Value("authors").ShouldNotBeNullOrWhiteSpace();
        Value("tags").Split(' ', StringSplitOptions.RemoveEmptyEntries).Length.ShouldBeGreaterThanOrEqualTo(3);
        var license = metadata.Element(metadata.Name.Namespace + "license")!;
        ((string?)license.Attribute("type")).ShouldBe("expression");
        license.Value.ShouldBe("MIT");
        Value("projectUrl").ShouldStartWith("https://");
        Value("readme").ShouldBe("README.md");
        var repository = metadata.Element(metadata.Name.Namespace + "repository")!;
        ((string?)repository.Attribute("type")).ShouldBe("git");
        ((string?)repository.Attribute("url")).ShouldBe(Value("projectUrl"));
        ((string?)repository.Attribute("commit")).ShouldNotBeNull().Length.ShouldBe(40);

        using var zip = ZipFile.OpenRead(feed.PackageFiles[id]);
        var readme = ReadText(zip, "README.md");
        readme.ShouldBe(File.ReadAllText(Path.Combine(BuildInfo.RepositoryRoot, "src", id, "README.md")));
        readme.ShouldContain("```");
        var docs = System.Text.RegularExpressions.Regex.Matches(readme, @"\((https://[^)\s]+)/blob/main/(docs/[\w.-]+\.md)\)").ToList();
        docs.ShouldNotBeEmpty("the package README links to the docs");
        var projectUrl = Value("projectUrl");
        docs.ShouldAllBe(m => m.Groups[1].Value == projectUrl && File.Exists(Path.Combine(BuildInfo.RepositoryRoot, m.Groups[2].Value)),
            "each docs link of the package README is a page of docs/ under the project URL");
        ReadText(zip, "LICENSE").ShouldBe(File.ReadAllText(Path.Combine(BuildInfo.RepositoryRoot, "LICENSE")));
    }

    [Theory]
    [MemberData(nameof(PackageIds))]
    public void Package_Assemblies_EmbedPdbWithSourceLink_AndNoPathOfTheBuildMachine(string id)
    {
        var metadata = Metadata(feed.ReadNuspec(id));
        var repository = metadata.Element(metadata.Name.Namespace + "repository")!;
        var repositoryUrl = (string)repository.Attribute("url")!;
        var commit = (string)repository.Attribute("commit")!;
        using var zip = ZipFile.OpenRead(feed.PackageFiles[id]);
        var own = zip.Entries.Where(e => e.Name.StartsWith("Registry.Adapters", StringComparison.Ordinal) && e.Name.EndsWith(".dll", StringComparison.Ordinal)).ToList();
        own.ShouldNotBeEmpty();
        zip.Entries.ShouldNotContain(e => e.Name.StartsWith("Registry.Adapters", StringComparison.Ordinal) && e.Name.EndsWith(".pdb", StringComparison.Ordinal),
            "symbols are embedded, not shipped beside the assembly");

        foreach (var entry in own)
        {
            var bytes = ReadBytes(entry);
            using var pe = new PEReader(new MemoryStream(bytes));
            var debug = pe.ReadDebugDirectory();
            var embedded = debug.Where(d => d.Type == DebugDirectoryEntryType.EmbeddedPortablePdb).ShouldHaveSingleItem(entry.FullName);
            debug.ShouldContain(d => d.Type == DebugDirectoryEntryType.Reproducible, $"{entry.FullName} is built deterministically");
            using var pdb = pe.ReadEmbeddedPortablePdbDebugDirectoryData(embedded);
            var reader = pdb.GetMetadataReader();

            var documents = reader.Documents.Select(h => reader.GetString(reader.GetDocument(h).Name)).ToList();
            documents.ShouldNotBeEmpty();
            documents.ShouldAllBe(d => d.StartsWith("/_/", StringComparison.Ordinal), $"{entry.FullName}: source paths are mapped, not the build machine's");

            var sourceLink = reader.CustomDebugInformation.Select(reader.GetCustomDebugInformation)
                .Where(c => reader.GetGuid(c.Kind) == SourceLinkKind).ShouldHaveSingleItem($"{entry.FullName} has a SourceLink document");
            using var json = JsonDocument.Parse(reader.GetBlobBytes(sourceLink.Value));
            var mapping = json.RootElement.GetProperty("documents").GetProperty("/_/*").GetString();
            var expected = repositoryUrl.Replace("https://github.com/", "https://raw.githubusercontent.com/", StringComparison.Ordinal) + $"/{commit}/*";
            // The package names the commit at pack time, the PDB the commit at build time: equal when the build is of HEAD
            // (a commit after the build, without building again, makes them differ; scripts/test.sh builds first).
            mapping.ShouldBe(expected, $"{entry.FullName}: SourceLink points at the commit the package names");

            // Nowhere in the assembly nor in its (decompressed) PDB is the path of the repository on the build machine.
            var pdbBytes = DecompressEmbeddedPdb(pe, embedded);
            var root = BuildInfo.RepositoryRoot.TrimEnd('/');
            foreach (var (what, content) in new[] { ("assembly", bytes), ("PDB", pdbBytes) })
            {
                Contains(content, Encoding.UTF8.GetBytes(root)).ShouldBeFalse($"the {what} of {entry.FullName} contains {root}");
                Contains(content, Encoding.Unicode.GetBytes(root)).ShouldBeFalse($"the {what} of {entry.FullName} contains {root} (UTF-16)");
            }
        }
    }

    [Fact]
    public void ToolPackage_IsADotnetTool_ThatRollsForwardToNewerRuntimes()
    {
        var metadata = Metadata(feed.ReadNuspec(ToolPackage.Id));
        metadata.Element(metadata.Name.Namespace + "packageTypes")!.Elements().Select(e => (string?)e.Attribute("name")).ShouldContain("DotnetTool");
        using var zip = ZipFile.OpenRead(feed.PackageFiles[ToolPackage.Id]);
        var settings = XDocument.Parse(ReadText(zip, "tools/net10.0/any/DotnetToolSettings.xml"));
        settings.Descendants("Command").Select(c => (string?)c.Attribute("Name")).ShouldBe([ToolPackage.Command]);
        using var runtimeConfig = JsonDocument.Parse(ReadText(zip, "tools/net10.0/any/Registry.Adapters.Sync.runtimeconfig.json"));
        runtimeConfig.RootElement.GetProperty("runtimeOptions").GetProperty("rollForward").GetString()
            .ShouldBeOneOf("Major", "LatestMajor");
    }

    private static IEnumerable<string> SourceProjects() =>
        Directory.GetDirectories(Path.Combine(BuildInfo.RepositoryRoot, "src"))
            .Where(d => File.Exists(Path.Combine(d, Path.GetFileName(d) + ".csproj")))
            .Select(d => Path.GetFileName(d)!);

    private static XElement Metadata(XDocument nuspec) => nuspec.Root!.Element(nuspec.Root.Name.Namespace + "metadata")!;

    private static string ReadText(ZipArchive zip, string name)
    {
        var entry = zip.GetEntry(name).ShouldNotBeNull($"the package has {name}");
        using var reader = new StreamReader(entry.Open());
        return reader.ReadToEnd();
    }

    private static byte[] ReadBytes(ZipArchiveEntry entry)
    {
        using var stream = entry.Open();
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }

    /// <summary>An embedded portable PDB is "MPDB", its uncompressed size (int32), then the PDB deflated.</summary>
    private static byte[] DecompressEmbeddedPdb(PEReader pe, DebugDirectoryEntry embedded)
    {
        var data = pe.GetSectionData(embedded.DataRelativeVirtualAddress).GetContent(0, embedded.DataSize).ToArray();
        Encoding.ASCII.GetString(data, 0, 4).ShouldBe("MPDB");
        using var deflate = new DeflateStream(new MemoryStream(data, 8, data.Length - 8), CompressionMode.Decompress);
        using var pdb = new MemoryStream();
        deflate.CopyTo(pdb);
        pdb.Length.ShouldBe(BitConverter.ToInt32(data, 4));
        return pdb.ToArray();
    }

    private static bool Contains(byte[] haystack, byte[] needle) => haystack.AsSpan().IndexOf(needle) >= 0;
}
