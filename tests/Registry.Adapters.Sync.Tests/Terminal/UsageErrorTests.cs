using Shouldly;
using Xunit;

namespace Registry.Adapters.Sync.Tests;

/// <summary>Bad usage is exit 2 and one line on standard error that names the option and, where it can, the fix.</summary>
public sealed class UsageErrorTests : IDisposable
{
    private readonly TempCatalogs _files = new();

    public void Dispose() => _files.Dispose();

    [Fact]
    public async Task Run_MisspelledCommand_ShowsEveryErrorAndSuggestsTheCommand()
    {
        var result = await CliRun.InProcessAsync("lst");

        AssertUsage(result);
        result.Stderr.ShouldContain("Unrecognized command or argument 'lst' (did you mean 'list'?)");
        result.Stderr.ShouldContain("Required command was not provided");
        result.Stderr.IndexOf("'lst'", StringComparison.Ordinal).ShouldBeLessThan(result.Stderr.IndexOf("Required command", StringComparison.Ordinal), "the word the user typed comes first");
    }

    [Fact]
    public async Task List_MisspelledOption_SuggestsTheOption()
    {
        var result = await CliRun.InProcessAsync("list", "--timout", "5s");

        AssertUsage(result);
        result.Stderr.ShouldContain("'--timout' (did you mean '--timeout'?)");
    }

    [Fact]
    public async Task List_UnrelatedWord_NoSuggestion()
    {
        var result = await CliRun.InProcessAsync("list", "--zzzzzzzz");

        AssertUsage(result);
        result.Stderr.ShouldNotContain("did you mean");
    }

    [Theory]
    [InlineData("0")]
    [InlineData("0s")]
    [InlineData("-5s")]
    public async Task List_TimeoutNotPositive_SaysItMustBePositive(string value)
    {
        var result = await CliRun.InProcessAsync("list", "--timeout", value);

        AssertUsage(result);
        result.Stderr.ShouldContain("--timeout: must be positive");
        result.Stderr.ShouldNotContain("is not a duration");
    }

    [Fact]
    public async Task List_EurekaNotAUrl_NamesTheOptionOnce()
    {
        var result = await CliRun.InProcessAsync("list", "--eureka", "not-a-url");

        AssertUsage(result);
        result.Stderr.Split("--eureka").Length.ShouldBe(2, result.Stderr);
    }

    [Fact]
    public async Task List_FileMissing_Exit2OneLineNamingFile()
    {
        var result = await CliRun.InProcessAsync("list", "--file", Path.Combine(_files.Directory, "missing.json"));

        AssertUsage(result);
        result.Stderr.ShouldStartWith("mesh-sync: --file: the file '");
        result.Stderr.ShouldContain("missing.json' does not exist.");
    }

    [Fact]
    public async Task List_FileIsDirectory_Exit2()
    {
        var result = await CliRun.InProcessAsync("list", "--file", _files.Directory);

        AssertUsage(result);
        result.Stderr.ShouldContain("--file: ");
        result.Stderr.ShouldContain("is a directory");
    }

    [Fact]
    public async Task List_KubeconfigMissing_NamesKubeconfigNotAConfigurationKey()
    {
        var result = await CliRun.InProcessAsync("list", "--kubeconfig", Path.Combine(_files.Directory, "nope.yaml"));

        AssertUsage(result);
        result.Stderr.ShouldStartWith("mesh-sync: --kubeconfig: ");
        result.Stderr.ShouldNotContain("Mesh:Registries");
        result.Stderr.ShouldNotContain("KubeconfigPath");
    }

    [Fact]
    public async Task List_KubeconfigNotYaml_Exit2NamingKubeconfig()
    {
        var path = _files.Write("kubeconfig", "clusters: [ {");

        var result = await CliRun.InProcessAsync("list", "--kubeconfig", path);

        AssertUsage(result);
        result.Stderr.ShouldStartWith("mesh-sync: --kubeconfig: ");
        result.Stderr.ShouldContain("is not a readable kubeconfig file");
    }

    [Fact]
    public void NameShortcutSettings_ShortcutRegistry_NamedByItsOption()
    {
        var config = _files.Write("mesh.json", """{ "Mesh": { "Registries": [ { "Kind": "file", "Path": "a.json" } ] } }""");
        var (section, _) = MeshSyncConfiguration.Build(config, [("kubernetes", new Dictionary<string, string?> { ["KubeconfigPath"] = "/k" })]);

        var message = ShortcutChecks.NameShortcutSettings(
            "Mesh:Registries:1:Context is 'x', which the kubeconfig does not have. Mesh:Registries:0:Path is fine.", section, ["--kubeconfig"]);

        message.ShouldBe("--kubeconfig: Context is 'x', which the kubeconfig does not have. Mesh:Registries:0:Path is fine.");
    }

    [Theory]
    [InlineData("""{ "Mesh": { "DefaultMerge": "Unoin" } }""", "Mesh:DefaultMerge is 'Unoin'")]
    [InlineData("""{ "Mesh": { "Registries": [ { "Kind": "file", "Path": "x.json" } ], "DefaultMerge": "first" } }""", "Mesh:DefaultMerge is 'first'")]
    public async Task List_ConfigInvalidEnum_ListsTheValidValues(string json, string expected)
    {
        var config = _files.Write("mesh.json", json);

        var result = await CliRun.InProcessAsync("list", "--config", config);

        AssertUsage(result);
        result.Stderr.ShouldContain(expected);
        result.Stderr.ShouldContain("Union, Priority, Failover");
    }

    [Fact]
    public async Task List_EtcdFormatInvalid_ListsTheFormats()
    {
        var config = _files.Write("mesh.json", """{ "Mesh": { "Registries": [ { "Kind": "etcd", "Endpoints": [ "http://127.0.0.1:1" ], "Format": "krat" } ] } }""");

        var result = await CliRun.InProcessAsync("list", "--config", config);

        AssertUsage(result);
        result.Stderr.ShouldContain("Mesh:Registries:0:Format is 'krat'");
        result.Stderr.ShouldContain("Mesh, Kratos");
    }

    [Fact]
    public void Describe_BinderEnumMessage_ListsValues() =>
        ConfigurationErrors.Describe("Failed to convert configuration value 'Unoin' at 'Mesh:DefaultMerge' to type 'Registry.Adapters.MergePolicy'.")
            .ShouldBe("Mesh:DefaultMerge is 'Unoin', which is not one of Union, Priority, Failover (did you mean 'Union'?).");

    [Fact]
    public async Task List_OutputNearMiss_ListsValuesAndSuggests()
    {
        var result = await CliRun.InProcessAsync("list", "-o", "jsn");

        AssertUsage(result);
        result.Stderr.ShouldContain("--output: 'jsn' is not one of table, json (did you mean 'json'?)");
    }

    [Fact]
    public async Task List_VerboseAndQuiet_Exit2()
    {
        var result = await CliRun.InProcessAsync("list", "--verbose", "--quiet");

        AssertUsage(result);
        result.Stderr.ShouldContain("--verbose and --quiet");
    }

    [Theory]
    [InlineData("lsit", "list", true)]
    [InlineData("wathc", "watch", true)]
    [InlineData("--flie", "--file", true)]
    [InlineData("x", "-o", false)]
    [InlineData("kubernetes", "--kubeconfig", false)]
    public void Closest_Typos_SuggestOnlyNearMisses(string typed, string candidate, bool suggested)
    {
        var result = Suggestions.Closest(typed, [candidate, "--service", "completion"]);

        if (suggested)
        {
            result.ShouldBe(candidate);
        }
        else
        {
            result.ShouldBeNull();
        }
    }

    private static void AssertUsage(CliResult result)
    {
        result.ExitCode.ShouldBe(ExitCodes.Usage, result.ToString());
        result.Stdout.ShouldBeEmpty();
        result.Stderr.TrimEnd().Split('\n').Length.ShouldBe(1, result.Stderr);
    }
}
