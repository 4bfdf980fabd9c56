using Shouldly;
using Xunit;

namespace Registry.Adapters.Sync.Tests;

/// <summary>The table fits the terminal: long cells are shortened on one line, never wrapped.</summary>
public sealed class TableTests : IDisposable
{
    private readonly TempCatalogs _files = new();

    public void Dispose() => _files.Dispose();

    [Theory]
    [InlineData(80)]
    [InlineData(100)]
    [InlineData(120)]
    public async Task WriteTable_LongCells_EveryLineFitsAndOneLinePerInstance(int width)
    {
        var document = CatalogPrinter.BuildDocument(await LongCatalogAsync(), null, null);
        var stdout = new StringWriter();

        CatalogPrinter.WriteTable(document, new CliEnvironment(stdout, new StringWriter(), IsOutputTerminal: true, NoColor: true, TerminalWidth: width));

        var lines = stdout.ToString().Split('\n');
        lines.ShouldAllBe(l => l.TrimEnd('\r').Length <= width, stdout.ToString());
        lines.Count(l => l.Contains("orders-wi", StringComparison.Ordinal)).ShouldBe(1, "a shortened cell keeps its start, on one line");
        lines.Count(l => l.Contains("payments-", StringComparison.Ordinal)).ShouldBe(1);
        stdout.ToString().ShouldContain("…");
        lines.ShouldContain(l => l.Contains("10.0.0.1:8080", StringComparison.Ordinal), "the address keeps its first port");
    }

    [Fact]
    public async Task WriteTable_Colour_EscapesDoNotCountAsWidth()
    {
        var document = CatalogPrinter.BuildDocument(await LongCatalogAsync(), null, null);
        var stdout = new StringWriter();

        CatalogPrinter.WriteTable(document, new CliEnvironment(stdout, new StringWriter(), IsOutputTerminal: true, NoColor: false, TerminalWidth: 80));

        stdout.ToString().ShouldContain("\u001b[32m");
        stdout.ToString().Split('\n').Select(static l => System.Text.RegularExpressions.Regex.Replace(l, "\u001b\\[[0-9;]*m", ""))
            .ShouldAllBe(l => l.Length <= 80);
    }

    [Fact]
    public async Task WriteTable_WideEnough_NothingShortened()
    {
        var document = CatalogPrinter.BuildDocument(await LongCatalogAsync(), null, null);
        var stdout = new StringWriter();

        CatalogPrinter.WriteTable(document, new CliEnvironment(stdout, new StringWriter(), IsOutputTerminal: true, NoColor: true, TerminalWidth: 400));

        stdout.ToString().ShouldNotContain("…");
        stdout.ToString().ShouldContain("a-tag-that-goes-on-and-on,another-long-tag,third");
    }

    [Fact]
    public async Task WriteTable_ValueWithControlCharacters_NeverReachesTheTerminal()
    {
        await using var mesh = await TestMesh.WithSnapshotAsync("file", "file", new ServiceInstance { Service = "orders", Id = "o-1", Host = "10.0.0.1", Zone = "a\u001b[2Jb" });
        var catalog = mesh.Catalog;
        var stdout = new StringWriter();

        CatalogPrinter.WriteTable(CatalogPrinter.BuildDocument(catalog.Current, null, null), new CliEnvironment(stdout, new StringWriter(), IsOutputTerminal: true, NoColor: true));

        stdout.ToString().ShouldNotContain("\u001b");
    }

    [Theory]
    [InlineData(0, null, 120)]
    [InlineData(0, "", 120)]
    [InlineData(0, "abc", 120)]
    [InlineData(0, "0", 120)]
    [InlineData(0, "100", 100)]
    [InlineData(80, "100", 80)]
    public void Width_UnknownTerminal_FallsBackToColumnsThen120(int terminal, string? columns, int expected) =>
        CliEnvironment.Width(terminal, columns).ShouldBe(expected);

    [Fact]
    public void Fit_NarrowerThanHeaders_StopsAtTheHeaders()
    {
        var table = new TextTable("SERVICE", "ADDRESS");
        table.AddRow("a-very-long-service-name", "a-very-long-address-value");

        var (widths, _) = table.Fit(10);

        widths.ShouldBe([7, 7]);
    }

    [Fact]
    public async Task Watch_TableBrokenEditThenFix_PrintsTransitionsAndMarksStale()
    {
        var a = _files.Write("a.json", TempCatalogs.A);
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var env = new CliEnvironment(TextWriter.Synchronized(stdout), TextWriter.Synchronized(stderr), IsOutputTerminal: false, NoColor: true);
        using var interrupt = new CancellationTokenSource();
        var run = MeshSyncCli.RunAsync(["watch", "--file", a, "--output", "table"], env, interrupt.Token);
        await WatchCommandTests.WaitForAsync(() => stdout.ToString().Contains("Revision", StringComparison.Ordinal), run, stdout, stderr);

        _files.Replace(a, "{ \"services\": [ ");
        await WatchCommandTests.WaitForAsync(() => stdout.ToString().Contains("(file): stale", StringComparison.Ordinal), run, stdout, stderr);
        await WatchCommandTests.WaitForAsync(() => stdout.ToString().Contains("(stale)", StringComparison.Ordinal), run, stdout, stderr);
        _files.Replace(a, TempCatalogs.A);
        await WatchCommandTests.WaitForAsync(() => stdout.ToString().Contains("(file): ready", StringComparison.Ordinal), run, stdout, stderr);
        await interrupt.CancelAsync();
        (await run.WaitAsync(TimeSpan.FromSeconds(30))).ShouldBe(0);

        var text = stdout.ToString();
        text.ShouldContain("] registry file (file): stale — ");
        text.ShouldContain("a.json is not valid JSON");
        text.ShouldContain("updated orders: 2 instances, 1 healthy, 2 stale — orders-1@10.0.0.1:8080/http (stale)");
        text.IndexOf("(file): stale", StringComparison.Ordinal).ShouldBeLessThan(text.IndexOf("(stale)", StringComparison.Ordinal), "the transition comes before the lines it explains");
        stderr.ToString().ShouldNotContain("is stale", customMessage: "with the table, transitions are in the stream of changes, not repeated on stderr");
    }

    private static async Task<MeshSnapshot> LongCatalogAsync()
    {
        await using var mesh = await TestMesh.WithSnapshotAsync(
            "kubernetes-production-eu",
            "kubernetes",
            new ServiceInstance
            {
                Service = "orders-service-with-a-long-name", Id = "orders-with-a-long-instance-id-0001", Host = "10.0.0.1",
                Ports = [new ServicePort("http", 8080, "http"), new ServicePort("grpc", 9090, "grpc"), new ServicePort("metrics", 9100, "http")],
                Zone = "europe-west1-b-a-long-zone", Tags = ["a-tag-that-goes-on-and-on", "another-long-tag", "third"],
            },
            new ServiceInstance { Service = "payments", Id = "payments-1", Host = "payments-1.payments.svc.cluster.local", Health = HealthStatus.Unhealthy });
        return mesh.Catalog.Current;
    }
}
