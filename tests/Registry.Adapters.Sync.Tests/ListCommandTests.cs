using System.Text.Json;
using Shouldly;
using Xunit;

namespace Registry.Adapters.Sync.Tests;

public sealed class ListCommandTests : IDisposable
{
    private readonly TempCatalogs _files = new();

    public void Dispose() => _files.Dispose();

    [Fact]
    public async Task List_TwoFilesJson_MatchesDocumentedShape()
    {
        var a = _files.Write("a.json", TempCatalogs.A);
        var b = _files.Write("b.json", TempCatalogs.B);

        var result = await CliRun.InProcessAsync("list", "--file", a, "--file", b, "--output", "json");

        result.ExitCode.ShouldBe(0, result.ToString());
        using var json = JsonDocument.Parse(result.Stdout);
        var root = json.RootElement;
        root.EnumerateObject().Select(p => p.Name).ShouldBe(["revision", "services", "registries"]);
        root.GetProperty("revision").GetInt64().ShouldBeGreaterThan(0);
        var services = root.GetProperty("services").EnumerateArray().ToList();
        services.Select(s => s.GetProperty("name").GetString()).ShouldBe(["inventory", "orders", "payments"], "services sorted by name");

        var orders = services[1].GetProperty("instances").EnumerateArray().ToList();
        orders.Select(i => $"{i.GetProperty("registry").GetString()}/{i.GetProperty("id").GetString()}")
            .ShouldBe(["file/orders-1", "file/orders-2", "file-2/orders-0"], "by registry priority then id; orders-dup shares host:port with orders-1 and is deduplicated");
        var first = orders[0];
        first.EnumerateObject().Select(p => p.Name).ShouldBe(["registry", "service", "id", "host", "ports", "health", "zone", "tags", "metadata", "stale"]);
        first.GetProperty("ports")[0].EnumerateObject().Select(p => p.Name).ShouldBe(["name", "port", "protocol"]);
        first.GetProperty("ports")[0].GetProperty("port").GetInt32().ShouldBe(8080);
        first.GetProperty("health").GetString().ShouldBe("healthy");
        orders[1].GetProperty("health").GetString().ShouldBe("draining");
        first.GetProperty("zone").GetString().ShouldBe("us-east-1a");
        first.GetProperty("metadata").GetProperty("version").GetString().ShouldBe("1.0");
        first.GetProperty("stale").GetBoolean().ShouldBeFalse();
        services[2].GetProperty("instances")[0].GetProperty("health").GetString().ShouldBe("unhealthy");

        var registries = root.GetProperty("registries").EnumerateArray().ToList();
        registries.Select(r => r.GetProperty("name").GetString()).ShouldBe(["file", "file-2"]);
        registries[0].EnumerateObject().Select(p => p.Name).ShouldBe(["name", "kind", "state", "error", "services", "instances", "skipped"]);
        registries.ShouldAllBe(r => r.GetProperty("kind").GetString() == "file" && r.GetProperty("state").GetString() == "ready");
        registries[0].GetProperty("error").ValueKind.ShouldBe(JsonValueKind.Null);
        registries[0].GetProperty("services").GetInt32().ShouldBe(2);
        registries[0].GetProperty("instances").GetInt32().ShouldBe(3);
        result.Stderr.ShouldBeEmpty();
    }

    [Fact]
    public async Task List_MalformedCatalog_Exit3OthersPrintedAndErrorNamed()
    {
        var a = _files.Write("a.json", TempCatalogs.A);
        var broken = _files.Write("broken.json", "{ \"services\": [ { \"name\": \"orders\", } ");

        var result = await CliRun.InProcessAsync("list", "--file", a, "--file", broken, "--output", "json");

        result.ExitCode.ShouldBe(3, result.ToString());
        using var json = JsonDocument.Parse(result.Stdout);
        json.RootElement.GetProperty("services").EnumerateArray().Select(s => s.GetProperty("name").GetString()).ShouldBe(["orders", "payments"]);
        var failed = json.RootElement.GetProperty("registries").EnumerateArray().Single(r => r.GetProperty("name").GetString() == "file-2");
        failed.GetProperty("state").GetString().ShouldBe("failed");
        failed.GetProperty("error").GetString()!.ShouldContain("broken.json is not valid JSON (line 1");
        result.Stderr.ShouldContain("registry 'file-2' (file) is failed: ");
    }

    [Fact]
    public async Task List_UnknownOption_Exit2WithOneLineNamingIt()
    {
        var result = await CliRun.InProcessAsync("list", "--flie", "a.json");

        result.ExitCode.ShouldBe(2);
        result.Stdout.ShouldBeEmpty();
        result.Stderr.TrimEnd().Split('\n').Length.ShouldBe(1, result.Stderr);
        result.Stderr.ShouldContain("--flie");
    }

    [Theory]
    [InlineData("--timeout", "soon", "--timeout")]
    [InlineData("--output", "xml", "--output")]
    [InlineData("--config", "/does/not/exist.json", "--config")]
    public async Task List_BadOptionValue_Exit2WithOneLineNamingOption(string option, string value, string named)
    {
        var result = await CliRun.InProcessAsync("list", option, value);

        result.ExitCode.ShouldBe(2, result.ToString());
        result.Stdout.ShouldBeEmpty();
        result.Stderr.TrimEnd().Split('\n').Length.ShouldBe(1, result.Stderr);
        result.Stderr.ShouldContain(named);
    }

    [Fact]
    public async Task List_ConfigWithUnknownKind_Exit2NamingSettingAndFix()
    {
        var config = _files.Write("mesh.json", """{ "Mesh": { "Registries": [ { "Kind": "file", "Path": "x.json" }, { "Kind": "etcdd" } ] } }""");

        var result = await CliRun.InProcessAsync("list", "--config", config);

        result.ExitCode.ShouldBe(2, result.ToString());
        result.Stderr.ShouldContain("Mesh:Registries:1:Kind is 'etcdd', which no provider knows. Known kinds: ");
        foreach (var provider in RegistryProviders.All)
        {
            result.Stderr.ShouldContain(provider.Kind);
        }
        result.Stderr.TrimEnd().Split('\n').Length.ShouldBe(1, result.Stderr);
    }

    [Fact]
    public async Task List_ConfigMissingPath_Exit2NamingSetting()
    {
        var config = _files.Write("mesh.json", """{ "Registries": [ { "Kind": "file", "Name": "cat" } ] }""");

        var result = await CliRun.InProcessAsync("list", "--config", config);

        result.ExitCode.ShouldBe(2, result.ToString());
        result.Stderr.ShouldContain("Mesh:Registries:0:Path is missing");
    }

    [Fact]
    public async Task List_ConfigNotJson_Exit2NamingFileAndLine()
    {
        var config = _files.Write("mesh.json", "{\n  \"Mesh\": { nope }\n}");

        var result = await CliRun.InProcessAsync("list", "--config", config);

        result.ExitCode.ShouldBe(2, result.ToString());
        result.Stderr.ShouldContain("--config:");
        result.Stderr.ShouldContain("line 2");
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task List_ConfigBareSectionOrMeshKey_BothRead(bool wrapped)
    {
        var a = _files.Write("a.json", TempCatalogs.A).Replace("\\", "\\\\", StringComparison.Ordinal);
        var section = $$"""{ "Registries": [ { "Name": "shop", "Kind": "file", "Path": "{{a}}" } ], "Aliases": { "purchases": "orders" } }""";
        var config = _files.Write("mesh.json", wrapped ? $$"""{ "Logging": {}, "Mesh": {{section}} }""" : section);

        var result = await CliRun.InProcessAsync("list", "--config", config, "--service", "purchases", "--output", "json");

        result.ExitCode.ShouldBe(0, result.ToString());
        using var json = JsonDocument.Parse(result.Stdout);
        json.RootElement.GetProperty("services").EnumerateArray().Select(s => s.GetProperty("name").GetString()).ShouldBe(["orders"], "the alias resolves");
        json.RootElement.GetProperty("registries")[0].GetProperty("name").GetString().ShouldBe("shop");
    }

    [Fact]
    public async Task List_ConfigAndShortcuts_ShortcutsFollowInCommandLineOrder()
    {
        var a = _files.Write("a.json", TempCatalogs.A).Replace("\\", "\\\\", StringComparison.Ordinal);
        var b = _files.Write("b.json", TempCatalogs.B);
        var config = _files.Write("mesh.json", $$"""{ "Mesh": { "Registries": [ { "Kind": "file", "Path": "{{a}}" } ] } }""");

        var result = await CliRun.InProcessAsync("list", "--file", b, "--config", config, "--file", b, "-o", "json");

        result.ExitCode.ShouldBe(0, result.ToString());
        using var json = JsonDocument.Parse(result.Stdout);
        json.RootElement.GetProperty("registries").EnumerateArray().Select(r => r.GetProperty("name").GetString()).ShouldBe(["file", "file-2", "file-3"]);
        json.RootElement.GetProperty("registries")[0].GetProperty("instances").GetInt32().ShouldBe(3, "the configured registry comes first");
    }

    [Fact]
    public async Task List_JsonOutputFedBack_RoundTrips()
    {
        var a = _files.Write("a.json", TempCatalogs.A);
        var b = _files.Write("b.json", TempCatalogs.B);
        var first = await CliRun.InProcessAsync("list", "--file", a, "--file", b, "--output", "json");
        first.ExitCode.ShouldBe(0, first.ToString());
        var merged = _files.Write("merged.json", first.Stdout);

        var second = await CliRun.InProcessAsync("list", "--file", merged, "--output", "json");

        second.ExitCode.ShouldBe(0, second.ToString());
        Instances(second.Stdout).ShouldBe(Instances(first.Stdout), ignoreOrder: true, "the same instances; only their order across registries differs");
    }

    [Fact]
    public async Task List_NoRegistry_UsesEmbeddedSampleCatalog()
    {
        var result = await CliRun.InProcessAsync("list", "--output", "json", "--service", "orders");

        result.ExitCode.ShouldBe(0, result.ToString());
        using var json = JsonDocument.Parse(result.Stdout);
        json.RootElement.GetProperty("services")[0].GetProperty("instances").GetArrayLength().ShouldBe(3);
        json.RootElement.GetProperty("registries")[0].GetProperty("name").GetString().ShouldBe("file");
    }

    [Fact]
    public async Task List_Table_OneRowPerInstanceRegistriesBelowNoAnsi()
    {
        var a = _files.Write("a.json", TempCatalogs.A);
        var broken = _files.Write("broken.json", "[");

        var result = await CliRun.InProcessAsync("list", "--file", a, "--file", broken, "--output", "table");

        result.ExitCode.ShouldBe(3);
        result.Stdout.ShouldNotContain("\u001b[");
        var lines = result.Stdout.Split('\n');
        lines.Count(l => l.Contains("10.0.", StringComparison.Ordinal)).ShouldBe(3);
        lines.ShouldContain(l => l.Contains("orders-2", StringComparison.Ordinal) && l.Contains("draining", StringComparison.Ordinal));
        var registryHeader = Array.FindIndex(lines, l => l.TrimStart().StartsWith("REGISTRY", StringComparison.Ordinal));
        registryHeader.ShouldBeGreaterThan(Array.FindIndex(lines, l => l.Contains("payments-1", StringComparison.Ordinal)));
        lines.ShouldContain(l => l.Contains("file-2", StringComparison.Ordinal) && l.Contains("failed", StringComparison.Ordinal));
        lines.ShouldAllBe(l => l.Length <= CliEnvironment.DefaultWidth, "the table fits the default width; a long error is shortened");
        result.Stderr.ShouldContain("not valid JSON", customMessage: "the whole error is on standard error");
    }

    [Fact]
    public async Task List_NotATerminal_DefaultsToJson()
    {
        var a = _files.Write("a.json", TempCatalogs.A);

        var result = await CliRun.InProcessAsync("list", "--file", a);

        result.ExitCode.ShouldBe(0);
        JsonDocument.Parse(result.Stdout).Dispose();
    }

    private static List<string> Instances(string json)
    {
        using var document = JsonDocument.Parse(json);
        return [.. document.RootElement.GetProperty("services").EnumerateArray().SelectMany(s => s.GetProperty("instances").EnumerateArray().Select(i =>
        {
            var copy = i.EnumerateObject().Where(p => p.Name != "registry").Select(p => $"{p.Name}={p.Value.GetRawText()}");
            return $"{s.GetProperty("name").GetString()}: {string.Join(", ", copy)}";
        }))];
    }
}
