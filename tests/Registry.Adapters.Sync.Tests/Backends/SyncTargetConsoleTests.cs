using System.Text.Json;
using Registry.Adapters.Consul.Tests.Fake;
using Registry.Adapters.Eureka.Tests;
using Shouldly;
using Xunit;

namespace Registry.Adapters.Sync.Tests.Backends;

/// <summary><c>mesh-sync sync --to consul|eureka</c> end to end through the console against the wire-level fakes.</summary>
public sealed class SyncTargetConsoleTests : IDisposable
{
    private readonly TempCatalogs _files = new();

    public void Dispose() => _files.Dispose();

    private static int Writes(CliResult run)
    {
        using var plan = JsonDocument.Parse(run.Stdout);
        return plan.RootElement.GetProperty("writes").GetInt32();
    }

    [Fact]
    public async Task Sync_ToConsul_DryRunThenOnceThenAgainThenPurge()
    {
        await using var consul = await FakeConsulServer.StartAsync();
        var source = _files.Write("source.json", TempCatalogs.A);
        string[] registries = ["--file", source, "--consul", consul.Address.ToString(), "--to", "consul", "--output", "json"];

        var dryRun = await CliRun.InProcessAsync(["sync", .. registries, "--dry-run"]);

        dryRun.ExitCode.ShouldBe(0, dryRun.ToString());
        Writes(dryRun).ShouldBe(0);
        dryRun.Stdout.ShouldContain("orders-1");
        consul.CountRequests("/v1/txn").ShouldBe(0, "a dry run writes nothing");

        var once = await CliRun.InProcessAsync(["sync", .. registries, "--once"]);

        once.ExitCode.ShouldBe(0, once.ToString());
        Writes(once).ShouldBe(3);
        consul.NodeServices("mesh-sync").Keys.Order().ShouldBe(["orders:orders-1", "orders:orders-2", "payments:payments-1"]);
        consul.NodeServices("mesh-sync")["payments:payments-1"].Port.ShouldBe(8443);
        consul.NodeChecks("mesh-sync")["_service_maintenance:orders:orders-2"].Status.ShouldBe("critical", "draining is a maintenance check");

        var again = await CliRun.InProcessAsync(["sync", .. registries, "--once"]);
        again.ExitCode.ShouldBe(0, again.ToString());
        Writes(again).ShouldBe(0, "a second process finds its records and rewrites none");

        var list = await CliRun.InProcessAsync("list", "--consul", consul.Address.ToString(), "--output", "json");
        list.ExitCode.ShouldBe(0, list.ToString());
        list.Stdout.ShouldNotContain("orders-1", customMessage: "the catalog skips mirrored records (loop safety)");

        var purge = await CliRun.InProcessAsync(["sync", .. registries, "--purge"]);

        purge.ExitCode.ShouldBe(0, purge.ToString());
        Writes(purge).ShouldBe(3);
        consul.NodeServices("mesh-sync").ShouldBeEmpty();
        consul.CountRequests("/v1/agent/").ShouldBe(0, "nothing goes through an agent");
    }

    [Fact]
    public async Task Sync_ToConsulWithWrongToken_Exit3WithoutTheToken()
    {
        const string Secret = "0d9e-wrong-token-5c1b";
        await using var consul = await FakeConsulServer.StartAsync(aclToken: "the-right-one");
        var source = _files.Write("source.json", TempCatalogs.A);
        var config = _files.Write("mesh.json", $$"""
            { "Mesh": { "Registries": [
              { "Name": "file", "Kind": "file", "Path": {{JsonSerializer.Serialize(source)}} },
              { "Name": "cf", "Kind": "consul", "Address": "{{consul.Address}}", "Token": "{{Secret}}", "UseEnvironment": false } ] } }
            """);

        var run = await CliRun.InProcessAsync("sync", "--config", config, "--to", "cf", "--once", "--output", "json");

        run.ExitCode.ShouldBe(3, run.ToString());
        run.ToString().ShouldContain("403");
        run.ToString().ShouldNotContain(Secret);
        consul.HasNode("mesh-sync").ShouldBeFalse();
    }

    [Fact]
    public async Task Sync_ToEureka_DryRunThenOnceThenAgainThenPurge()
    {
        await using var eureka = await FakeEurekaServer.StartAsync();
        var source = _files.Write("source.json", TempCatalogs.A);
        string[] registries = ["--file", source, "--eureka", eureka.BaseUrl, "--to", "eureka", "--output", "json"];

        var dryRun = await CliRun.InProcessAsync(["sync", .. registries, "--dry-run"]);

        dryRun.ExitCode.ShouldBe(0, dryRun.ToString());
        dryRun.Stdout.ShouldContain("payments-1");
        eureka.CountRequests("POST", "apps/ORDERS").ShouldBe(0, "a dry run writes nothing");

        var once = await CliRun.InProcessAsync(["sync", .. registries, "--once"]);

        once.ExitCode.ShouldBe(0, once.ToString());
        Writes(once).ShouldBe(3);
        eureka.InstanceCount.ShouldBe(3);
        eureka.GetInstance("ORDERS", "orders-2")!["status"]!.ToString().ShouldBe("OUT_OF_SERVICE");
        eureka.GetInstance("PAYMENTS", "payments-1")!["status"]!.ToString().ShouldBe("DOWN");
        eureka.GetInstance("PAYMENTS", "payments-1")!["securePort"]!["$"]!.GetValue<int>().ShouldBe(8443);
        eureka.GetInstance("ORDERS", "orders-1")!["metadata"]!["mesh-sync-origin"]!.ToString().ShouldBe("file");

        var again = await CliRun.InProcessAsync(["sync", .. registries, "--once"]);
        again.ExitCode.ShouldBe(0, again.ToString());
        Writes(again).ShouldBe(0, "a second process finds its records and rewrites none");

        var purge = await CliRun.InProcessAsync(["sync", .. registries, "--purge"]);

        purge.ExitCode.ShouldBe(0, purge.ToString());
        Writes(purge).ShouldBe(3);
        eureka.InstanceCount.ShouldBe(0);
        eureka.ReplicationRequests.ShouldBe(0);
    }
}
