using Registry.Adapters.Consul.Tests.Fake;
using Registry.Adapters.Testing;
using Shouldly;
using Xunit;

namespace Registry.Adapters.Consul.Tests;

/// <summary>A Cloud Foundry deployment's Consul services in the merged catalog, named and aliased as the README says.</summary>
public sealed class ConsulCloudFoundryTests
{
    [Fact]
    public async Task MeshCatalog_CfServicesWithDnsTemplateAndAlias_ResolveByBothNames()
    {
        await using var fake = await FakeConsulServer.StartAsync();
        // As confab registers them: name from the manifest key, tags = "<job>-<index>" and the AZ.
        fake.PutService("uaa-0", "10.0.16.20", new FakeServiceSpec("uaa", "uaa") { Port = 8443, Tags = ["uaa-0", "z1"] });
        fake.PutService("uaa-1", "10.0.32.20", new FakeServiceSpec("uaa", "uaa") { Port = 8443, Tags = ["uaa-1", "z2"] });
        fake.PutService("database-0", "10.0.16.30", new FakeServiceSpec("sql-db", "sql-db") { Port = 5524, Tags = ["database-0"] });
        var registry = ConsulTestSupport.CreateRegistry(fake, name: "cf");
        await using var host = await MeshTestHost.StartAsync(
            m => m.AddTestRegistry(registry, priority: 0, nameTemplate: "{service}.service.cf.internal"),
            o => o.Aliases["uaa.service.cf.internal"] = "uaa");
        var mesh = host.Catalog;
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        (await mesh.WaitForInitialSyncAsync(stop.Token)).ShouldBeTrue();

        var uaa = mesh.Resolve("uaa");
        uaa.Select(i => i.Instance.Id).ShouldBe(["uaa@uaa-0", "uaa@uaa-1"], "same service id on two agents: told apart by node");
        uaa.Select(i => i.Instance.Host).ShouldBe(["10.0.16.20", "10.0.32.20"]);
        uaa[0].Instance.Tags.ShouldBe(["uaa-0", "z1"]);
        mesh.Resolve("sql-db.service.cf.internal").Single().Instance.Host.ShouldBe("10.0.16.30");
        mesh.Resolve("sql-db").ShouldBeEmpty("without an alias the CF DNS name is the mesh name");
    }
}
