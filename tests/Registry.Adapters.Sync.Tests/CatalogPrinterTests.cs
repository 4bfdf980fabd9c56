using Shouldly;
using Xunit;

namespace Registry.Adapters.Sync.Tests;

public sealed class CatalogPrinterTests
{
    [Fact]
    public async Task BuildDocument_RegistryErrorWithUrlCredentials_Redacted()
    {
        await using var mesh = await TestMesh.StartAsync(("etcd", "etcd"));
        await mesh.FailAsync("etcd", "dial https://root:hunter2@10.0.0.1:2379 failed: connection refused");
        var catalog = mesh.Catalog;
        var stdout = new StringWriter();
        var env = new CliEnvironment(stdout, new StringWriter(), IsOutputTerminal: false, NoColor: true);

        var document = CatalogPrinter.BuildDocument(catalog.Current, null, null);
        CatalogPrinter.WriteTable(document, env);

        document.Registries.Single().Error.ShouldBe("dial https://***@10.0.0.1:2379 failed: connection refused");
        stdout.ToString().ShouldNotContain("hunter2");
        stdout.ToString().ShouldContain("https://***@10.0.0.1:2379");
    }

    [Fact]
    public async Task BuildDocument_RegistryStillSyncingAfterTimeout_NamedWithTimeoutAndExit3()
    {
        await using var mesh = await TestMesh.StartAsync(("slow", "file"));
        var catalog = mesh.Catalog;
        var stderr = new StringWriter();
        var env = new CliEnvironment(new StringWriter(), stderr, IsOutputTerminal: false, NoColor: true);

        var document = CatalogPrinter.BuildDocument(catalog.Current, null, TimeSpan.FromSeconds(3));
        var exit = await CatalogPrinter.ReportRegistriesAsync(document, env);

        document.Registries.Single().State.ShouldBe("syncing");
        document.Registries.Single().Error.ShouldBe("did not sync within 3 s (--timeout)");
        exit.ShouldBe(3);
        stderr.ToString().ShouldContain("registry 'slow' (file) is syncing: did not sync within 3 s");
    }

    [Fact]
    public async Task WriteTable_Terminal_ColoursHealthUnlessNoColor()
    {
        await using var mesh = await TestMesh.WithSnapshotAsync("file", "file", new ServiceInstance { Service = "orders", Id = "orders-1", Host = "10.0.0.1", Health = HealthStatus.Unhealthy });
        var catalog = mesh.Catalog;
        var document = CatalogPrinter.BuildDocument(catalog.Current, null, null);

        var coloured = new StringWriter();
        CatalogPrinter.WriteTable(document, new CliEnvironment(coloured, new StringWriter(), IsOutputTerminal: true, NoColor: false));
        var plain = new StringWriter();
        CatalogPrinter.WriteTable(document, new CliEnvironment(plain, new StringWriter(), IsOutputTerminal: true, NoColor: true));

        coloured.ToString().ShouldContain("\u001b[");
        plain.ToString().ShouldNotContain("\u001b[");
        plain.ToString().ShouldContain("unhealthy");
    }
}
