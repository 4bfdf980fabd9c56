using Shouldly;
using Xunit;

namespace Registry.Adapters.Sync.Tests;

public sealed class CatalogPrinterTests
{
    [Fact]
    public void BuildDocument_RegistryErrorWithUrlCredentials_Redacted()
    {
        using var catalog = new MeshCatalog(new MeshOptions());
        catalog.AddRegistry("etcd", "etcd", 0);
        catalog.ReportFailure("etcd", "dial https://root:hunter2@10.0.0.1:2379 failed: connection refused");
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
        using var catalog = new MeshCatalog(new MeshOptions());
        catalog.AddRegistry("slow", "file", 0);
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
    public void WriteTable_Terminal_ColoursHealthUnlessNoColor()
    {
        using var catalog = new MeshCatalog(new MeshOptions());
        catalog.AddRegistry("file", "file", 0);
        catalog.Apply("file", new RegistrySnapshotEvent(new RegistrySnapshot
        {
            Services = new Dictionary<string, IReadOnlyList<ServiceInstance>>
            {
                ["orders"] = [new ServiceInstance { Service = "orders", Id = "orders-1", Host = "10.0.0.1", Health = HealthStatus.Unhealthy }],
            },
        }));
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
