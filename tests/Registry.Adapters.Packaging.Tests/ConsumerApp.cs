using System.Xml.Linq;
using Shouldly;

namespace Registry.Adapters.Packaging.Tests;

/// <summary>
/// A web app outside the repository, as a user writes it: its own project file referencing every library package of
/// the feed (no project reference, no Directory.Build.props of the repository), AddMeshRegistry from appsettings.json.
/// </summary>
internal sealed class ConsumerApp
{
    private ConsumerApp(string directory, IReadOnlyList<string> references, IReadOnlyList<string> usings, IReadOnlyList<string> analyzers)
    {
        Directory = directory;
        References = references;
        GlobalUsings = usings;
        Analyzers = analyzers;
    }

    /// <summary>Packages that the docs' C# blocks use beside ours (YARP, OpenTelemetry), at the repository's versions.</summary>
    public static readonly string[] DocsPackages = ["Yarp.ReverseProxy", "Microsoft.Extensions.ServiceDiscovery.Yarp", "OpenTelemetry.Extensions.Hosting"];

    public string Directory { get; }

    public string Assembly => Path.Combine(Directory, "bin", "Release", "net10.0", "Consumer.dll");

    /// <summary>The compile references of the consumer (the packages' assemblies and the ASP.NET Core framework).</summary>
    public IReadOnlyList<string> References { get; }

    /// <summary>The implicit global usings of a web project.</summary>
    public IReadOnlyList<string> GlobalUsings { get; }

    /// <summary>The analyzers and source generators of a web project.</summary>
    public IReadOnlyList<string> Analyzers { get; }

    private static string CentralVersion(string id) =>
        (string?)XDocument.Load(Path.Combine(BuildInfo.RepositoryRoot, "Directory.Packages.props")).Descendants("PackageVersion")
            .SingleOrDefault(p => (string?)p.Attribute("Include") == id)?.Attribute("Version")
        ?? throw new InvalidOperationException($"Directory.Packages.props has no version of {id}.");

    public static async Task<ConsumerApp> CreateAsync(PackageFeedFixture feed, TimeSpan timeout)
    {
        var directory = Path.Combine(feed.Root, "consumer");
        System.IO.Directory.CreateDirectory(directory);
        var libraries = feed.PackageFiles.Keys.Where(id => id != ToolPackage.Id).Order(StringComparer.Ordinal)
            .Select(id => (Id: id, Version: feed.PackageVersion))
            .Concat(DocsPackages.Select(id => (Id: id, Version: CentralVersion(id))))
            .Select(p => $"""    <PackageReference Include="{p.Id}" Version="{p.Version}" />""");
        File.WriteAllText(Path.Combine(directory, "Consumer.csproj"), $"""
            <Project Sdk="Microsoft.NET.Sdk.Web">
              <PropertyGroup>
                <TargetFramework>net10.0</TargetFramework>
                <Nullable>enable</Nullable>
                <ImplicitUsings>enable</ImplicitUsings>
                <TreatWarningsAsErrors>true</TreatWarningsAsErrors>
                <!-- The vulnerability audit asks the package source online; the test must pass offline from the cache. -->
                <NuGetAudit>false</NuGetAudit>
              </PropertyGroup>
              <ItemGroup>
            {string.Join('\n', libraries)}
              </ItemGroup>
              <Target Name="WriteCompileInputs" AfterTargets="Build">
                <WriteLinesToFile File="references.txt" Lines="@(ReferencePath)" Overwrite="true" />
                <WriteLinesToFile File="usings.txt" Lines="@(Using)" Overwrite="true" />
                <WriteLinesToFile File="analyzers.txt" Lines="@(Analyzer)" Overwrite="true" />
              </Target>
            </Project>
            """);
        File.WriteAllText(Path.Combine(directory, "Program.cs"), """
            using Registry.Adapters;

            var builder = WebApplication.CreateBuilder(args);
            builder.Services.AddMeshRegistry(builder.Configuration.GetSection("Mesh"));
            var app = builder.Build();

            app.MapGet("/resolve/{service}", (string service, IMeshCatalog catalog) =>
                catalog.Resolve(service).Select(i => new { i.Registry, i.Instance.Id, i.Instance.Host, Port = i.Instance.GetPort("http")?.Port }));
            app.Run();
            """);
        File.WriteAllText(Path.Combine(directory, "appsettings.json"), """
            {
              "Logging": { "LogLevel": { "Default": "Warning", "Microsoft.Hosting.Lifetime": "Information" } },
              "Mesh": {
                "Registries": [ { "Name": "sample", "Kind": "file", "Path": "catalog.json" } ],
                "WaitForInitialSync": true
              }
            }
            """);
        File.Copy(Path.Combine(BuildInfo.RepositoryRoot, "samples", "catalog.json"), Path.Combine(directory, "catalog.json"));

        var build = await ProcessRunner.RunAsync("dotnet",
            ["build", "-c", "Release", "-nologo", "-v", "minimal", "--disable-build-servers"], directory, timeout);
        build.ExitCode.ShouldBe(0, build.Describe("dotnet build of the consumer"));
        return new ConsumerApp(directory,
            File.ReadAllLines(Path.Combine(directory, "references.txt")),
            File.ReadAllLines(Path.Combine(directory, "usings.txt")),
            File.ReadAllLines(Path.Combine(directory, "analyzers.txt")));
    }
}
