using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Registry.Adapters.Sync.Serve;
using Shouldly;
using Xunit;

namespace Registry.Adapters.Sync.Tests.Serve;

/// <summary><c>mesh-sync sync --listen</c>: the serve API and dashboard beside a running sync; <c>/readyz</c> reports leadership.</summary>
public sealed class SyncListenTests : IDisposable
{
    private readonly TempCatalogs _files = new();

    public void Dispose() => _files.Dispose();

    [Fact]
    public async Task SyncListen_ServesTheCatalogAndReadyzWhileItSyncs()
    {
        var source = _files.Write("source.json", TempCatalogs.A);
        var target = Path.Combine(_files.Directory, "mirror.json");

        await using var run = await ServeRun.StartSyncAsync("--file", source, "--file", target, "--to", "file-2", "--listen", "127.0.0.1:0");

        var ready = await ServeJson(run, "/readyz");
        ready.GetProperty("ready").GetBoolean().ShouldBeTrue(run.Stderr);
        ready.GetProperty("leadership").GetString().ShouldBe("unelected", "without leader election this replica writes");
        ready.TryGetProperty("shards", out _).ShouldBeFalse("no election, no shards");
        var catalog = await ServeJson(run, "/v1/catalog");
        catalog.GetProperty("services").EnumerateArray().Select(s => s.GetProperty("name").GetString()).ShouldBe(["orders", "payments"]);
        using (var page = await run.Http.GetAsync("/"))
        {
            page.StatusCode.ShouldBe(HttpStatusCode.OK);
        }

        using var timeout = new CancellationTokenSource(ServedMesh.Timeout);
        while (!File.Exists(target) || !(await File.ReadAllTextAsync(target, timeout.Token)).Contains("mesh-sync-id", StringComparison.Ordinal))
        {
            await Task.Delay(50, timeout.Token);
        }

        (await run.StopAsync()).ShouldBe(0);
    }

    [Theory]
    [InlineData("--once")]
    [InlineData("--dry-run")]
    public async Task SyncListen_WithAOnePassOption_UsageError(string option)
    {
        var source = _files.Write("source.json", TempCatalogs.A);

        var run = await CliRun.InProcessAsync("sync", "--file", source, "--file", Path.Combine(_files.Directory, "m.json"), "--to", "file-2", "--listen", "127.0.0.1:0", option);

        run.ExitCode.ShouldBe(2, run.ToString());
        run.Stderr.ShouldContain("--listen");
    }

    [Fact]
    public async Task SyncListen_NonLoopbackWithoutToken_UsageErrorAsServe()
    {
        var source = _files.Write("source.json", TempCatalogs.A);

        var run = await CliRun.InProcessAsync("sync", "--file", source, "--file", Path.Combine(_files.Directory, "m.json"), "--to", "file-2", "--listen", "0.0.0.0:0");

        run.ExitCode.ShouldBe(2, run.ToString());
        run.Stderr.ShouldContain("--token-file");
    }

    [Fact]
    public async Task Readyz_AStandby_IsReadyAndSaysStandby()
    {
        var path = _files.Write("catalog.json", TempCatalogs.A);
        var standby = new StandbyLeadership();
        await using var mesh = await ServedMesh.StartAsync(
            m => m.AddFile("file", o => o.Path = path),
            new ServeSettings { Listen = ListenAddress.Parse("127.0.0.1:0"), Leadership = () => SyncLeadershipState.Describe(standby) });
        await mesh.WaitUntilAsync(s => s.Registries.All(r => r.State == RegistryState.Ready), "the file is read");

        using var response = await mesh.Http.GetAsync("/readyz");
        var body = await response.Content.ReadAsStringAsync();

        response.StatusCode.ShouldBe(HttpStatusCode.OK, body);
        body.ShouldContain("\"leadership\":\"standby\"");
        standby.IsLeader = true;
        (await mesh.GetJsonAsync("/readyz")).GetProperty("leadership").GetString().ShouldBe("leader");
    }

    [Fact]
    public async Task Readyz_FourShards_ReportsEachShardAndAPartialLeaderIsReady()
    {
        var path = _files.Write("catalog.json", TempCatalogs.A);
        var options = new SyncOptions { Shards = 4, SyncId = "orders-sync" };
        options.To.Add("target");
        options.LeaderElection.Kind = "etcd";
        var leadership = new SyncLeadershipState(options);
        await using var mesh = await ServedMesh.StartAsync(
            m => m.AddFile("file", o => o.Path = path),
            new ServeSettings { Listen = ListenAddress.Parse("127.0.0.1:0"), Leadership = leadership.Describe, LeadershipShards = leadership.Shards });
        await mesh.WaitUntilAsync(s => s.Registries.All(r => r.State == RegistryState.Ready), "the file is read");
        var before = await mesh.GetJsonAsync("/readyz");
        before.GetProperty("leadership").GetString().ShouldBe("standby", "before the election is created every shard is a standby");

        var store = new Registry.Adapters.Testing.Sync.InMemorySyncElectionStore(TimeProvider.System, TimeSpan.FromSeconds(15));
        var target = new Registry.Adapters.Testing.Sync.InMemorySyncTarget("target");
        await using var election = store.CreateElection("a");
        await using var coordinator = new SyncShardCoordinator(mesh.Catalog, [target.Writer("a")], options, election);
        leadership.Attach(coordinator);
        coordinator.Candidates[1].Start();
        using var response = await mesh.Http.GetAsync("/readyz");
        var ready = System.Text.Json.JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        ready.GetProperty("leadership").GetString().ShouldBe("leader", "it leads a shard");
        ready.GetProperty("shards").EnumerateArray().Select(s => (s.GetProperty("shard").GetInt32(), s.GetProperty("election").GetString(), s.GetProperty("state").GetString()))
            .ShouldBe([(0, "orders-sync-0", "standby"), (1, "orders-sync-1", "leader"), (2, "orders-sync-2", "standby"), (3, "orders-sync-3", "standby")]);
    }

    private static async Task<System.Text.Json.JsonElement> ServeJson(ServeRun run, string path)
    {
        using var timeout = new CancellationTokenSource(ServedMesh.Timeout);
        while (true)
        {
            using var response = await run.Http.GetAsync(path, timeout.Token);
            var text = await response.Content.ReadAsStringAsync(timeout.Token);
            if (response.IsSuccessStatusCode)
            {
                return System.Text.Json.JsonDocument.Parse(text).RootElement.Clone();
            }

            // 503 until every registry has synced once.
            response.StatusCode.ShouldBe(HttpStatusCode.ServiceUnavailable, text);
            await Task.Delay(50, timeout.Token);
        }
    }

    private sealed class StandbyLeadership : ISyncLeadership
    {
        public bool IsLeader { get; set; }

        public WriteFence? Fence => null;

        public Task WaitForLeadershipAsync(CancellationToken cancellationToken = default) => Task.Delay(Timeout.Infinite, cancellationToken);
    }
}
