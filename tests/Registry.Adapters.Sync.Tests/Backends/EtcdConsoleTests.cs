using System.Diagnostics;
using Registry.Adapters.Etcd.Tests;
using Shouldly;
using Xunit;

namespace Registry.Adapters.Sync.Tests.Backends;

/// <summary><c>mesh-sync</c> against a real etcd (one per class); each test removes the keys it put.</summary>
public sealed class EtcdConsoleTests : IClassFixture<EtcdServerFixture>, IAsyncLifetime
{
    private readonly EtcdServer _etcd;
    private readonly List<string> _keys = [];
    private readonly TempCatalogs _files = new();
    private EtcdTestClient _client = null!;

    public EtcdConsoleTests(EtcdServerFixture fixture) => _etcd = fixture.Server;

    public async Task InitializeAsync() => _client = await EtcdTestClient.ConnectAsync(_etcd);

    public async Task DisposeAsync()
    {
        foreach (var key in _keys)
        {
            await _client.DeleteAsync(key);
        }

        _client.Dispose();
        _files.Dispose();
    }

    /// <summary>A value in the DESIGN.md key layout: one <c>instances[]</c> item without registry and stale.</summary>
    internal static string Value(string service, string id, string host, int port, string? health = null) =>
        $$"""
        { "service": "{{service}}", "id": "{{id}}", "host": "{{host}}",
          "ports": [ { "name": "http", "port": {{port}}, "protocol": "http" } ]{{(health is null ? "" : $", \"health\": \"{health}\"")}},
          "zone": "zone-a", "tags": [ "etcd" ], "metadata": { "team": "core" } }
        """;

    private async Task PutAsync(string key, string value)
    {
        _keys.Add(key);
        await _client.PutAsync(key, value);
    }

    [Fact]
    public async Task List_EtcdShortcut_InstancesFromEtcdRegistryReady()
    {
        await PutAsync("/mesh/services/orders/orders-1", Value("orders", "orders-1", "10.1.0.1", 8080));
        await PutAsync("/mesh/services/orders/orders-2", Value("orders", "orders-2", "10.1.0.2", 8080, "unhealthy"));
        await PutAsync("/mesh/services/billing/billing-1", Value("billing", "billing-1", "10.1.0.3", 9000, "draining"));
        await PutAsync("/elsewhere/orders/orders-9", Value("orders", "orders-9", "10.1.0.9", 8080));

        var result = await CliRun.InProcessAsync("list", "--etcd", _etcd.ClientUrl, "--output", "json");

        result.ExitCode.ShouldBe(0, result.ToString());
        var catalog = CatalogDocument.Parse(result.Stdout);
        catalog.ServiceNames.ShouldBe(["billing", "orders"]);
        catalog.Instances("orders").ShouldBe(
        [
            new PrintedInstance("etcd", "orders", "orders-1", "10.1.0.1", 8080, "healthy", false),
            new PrintedInstance("etcd", "orders", "orders-2", "10.1.0.2", 8080, "unhealthy", false),
        ], "health defaults to healthy; a key outside /mesh/services/ is not read");
        catalog.Instances("billing").ShouldHaveSingleItem().Health.ShouldBe("draining");
        catalog.Registries.ShouldBe([new PrintedRegistry("etcd", "etcd", "ready", null, 2, 3)]);
        result.Stderr.ShouldBeEmpty();
    }

    [Fact]
    public async Task List_ConfigEtcdKindWithPrefix_ReadsLikeTheShortcut()
    {
        var prefix = EtcdServerFixture.UniquePrefix("cfg");
        await PutAsync(prefix + "orders/orders-1", Value("orders", "orders-1", "10.2.0.1", 8080));
        await PutAsync("/mesh/services/decoy/decoy-1", Value("decoy", "decoy-1", "10.2.0.9", 8080));
        var config = _files.Write("mesh.json", $$"""
            { "Mesh": { "Registries": [
              { "Name": "kv", "Kind": "etcd", "Endpoints": [ "{{_etcd.ClientUrl}}" ], "Prefix": "{{prefix}}",
                "DialTimeout": "00:00:05", "RequestTimeout": "00:00:10" } ] } }
            """);

        var result = await CliRun.InProcessAsync("list", "--config", config, "--output", "json");

        result.ExitCode.ShouldBe(0, result.ToString());
        var catalog = CatalogDocument.Parse(result.Stdout);
        catalog.ServiceNames.ShouldBe(["orders"], "only the configured prefix is read");
        catalog.Instances("orders").ShouldBe([new PrintedInstance("kv", "orders", "orders-1", "10.2.0.1", 8080, "healthy", false)]);
        catalog.Registries.ShouldBe([new PrintedRegistry("kv", "etcd", "ready", null, 1, 1)]);
    }

    [Fact]
    public async Task Watch_EtcdPutAndDelete_PrintsAddedThenRemovedAndExits0OnInterrupt()
    {
        await PutAsync("/mesh/services/orders/orders-1", Value("orders", "orders-1", "10.3.0.1", 8080));
        await using var watch = new WatchRun("--etcd", _etcd.ClientUrl, "--output", "json");
        var snapshot = CatalogDocument.From(await watch.WaitForLineAsync("snapshot"));
        snapshot.ServiceNames.ShouldBe(["orders"]);
        snapshot.Registry("etcd").State.ShouldBe("ready");

        await PutAsync("/mesh/services/shipping/shipping-1", Value("shipping", "shipping-1", "10.3.0.5", 7000));
        var added = await watch.WaitForLineAsync("added");
        await PutAsync("/mesh/services/orders/orders-2", Value("orders", "orders-2", "10.3.0.2", 8080));
        var updated = await watch.WaitForLineAsync("updated");
        await _client.DeleteAsync("/mesh/services/shipping/shipping-1");
        var removed = await watch.WaitForLineAsync("removed");
        var exit = await watch.StopAsync();

        exit.ShouldBe(0, watch.Stderr);
        added.GetProperty("service").GetProperty("name").GetString().ShouldBe("shipping");
        added.GetProperty("service").GetProperty("instances").EnumerateArray().Select(CatalogDocument.ToInstance)
            .ShouldBe([new PrintedInstance("etcd", "shipping", "shipping-1", "10.3.0.5", 7000, "healthy", false)]);
        added.GetProperty("revision").GetInt64().ShouldBeGreaterThan(snapshot.Revision);
        updated.GetProperty("service").GetProperty("name").GetString().ShouldBe("orders");
        updated.GetProperty("service").GetProperty("instances").EnumerateArray().Select(i => i.GetProperty("id").GetString())
            .ShouldBe(["orders-1", "orders-2"], "the full new instance list");
        removed.GetProperty("service").GetProperty("name").GetString().ShouldBe("shipping");
        removed.GetProperty("service").GetProperty("instances").GetArrayLength().ShouldBe(0);
        watch.Lines.Count.ShouldBe(4, watch.Stdout);
    }

    [Fact]
    public async Task Process_WatchEtcdPutThenSigterm_AddedLineThenExit0()
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        await PutAsync("/mesh/services/orders/orders-1", Value("orders", "orders-1", "10.4.0.1", 8080));
        using var process = Process.Start(CliRun.StartInfo(_files.Directory, "watch", "--etcd", _etcd.ClientUrl, "--output", "json"))!;
        var stderr = process.StandardError.ReadToEndAsync();
        try
        {
            var first = await process.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(30));
            first.ShouldNotBeNull("the snapshot line");
            CatalogDocument.Parse(first).Instances("orders").Select(i => i.Id).ShouldBe(["orders-1"]);

            await PutAsync("/mesh/services/payments/payments-1", Value("payments", "payments-1", "10.4.0.2", 8443));
            var next = await process.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(30));
            next.ShouldNotBeNull();
            next.ShouldStartWith("{\"type\":\"added\"");
            next.ShouldContain("\"payments-1\"");

            using (var kill = Process.Start("kill", ["-TERM", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
            {
                await kill.WaitForExitAsync();
            }

            await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
            process.ExitCode.ShouldBe(0, await stderr);
            (await process.StandardOutput.ReadToEndAsync()).ShouldBeEmpty("nothing changed after the put");
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }
    }

    [Fact]
    public async Task List_ConfigEtcdWithPasswordRejected_Exit3PasswordNowhere()
    {
        const string password = "etcd-pa55word-91b3e";
        await PutAsync("/mesh/services/orders/orders-1", Value("orders", "orders-1", "10.5.0.1", 8080));
        var config = _files.Write("mesh.json", $$"""
            { "Mesh": { "Registries": [
              { "Kind": "etcd", "Endpoints": [ "{{_etcd.ClientUrl}}" ], "Username": "mesh", "Password": "{{password}}" } ] } }
            """);
        var file = _files.Write("a.json", TempCatalogs.B);

        var result = await CliRun.InProcessAsync("list", "--config", config, "--file", file, "--output", "json", "--verbose");

        result.ExitCode.ShouldBe(3, result.ToString());
        var catalog = CatalogDocument.Parse(result.Stdout);
        catalog.Registries.Select(r => (r.Name, r.State)).ShouldBe([("etcd", "failed"), ("file", "ready")], "this etcd has no auth enabled, so it refuses the credentials");
        catalog.Registry("etcd").Error.ShouldNotBeNullOrWhiteSpace();
        catalog.ServiceNames.ShouldBe(["inventory", "orders"]);
        catalog.Instances("orders").ShouldAllBe(i => i.Registry == "file");
        result.Stdout.ShouldNotContain(password);
        result.Stderr.ShouldNotContain(password);
    }
}
