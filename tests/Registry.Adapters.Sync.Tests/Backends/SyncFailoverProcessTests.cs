using System.Diagnostics;
using System.Globalization;
using System.Text;
using Registry.Adapters.Etcd.Tests;
using Shouldly;
using Xunit;
using Xunit.Abstractions;

namespace Registry.Adapters.Sync.Tests.Backends;

/// <summary>
/// <c>mesh-sync sync</c> as separate processes into a real etcd, killed with SIGKILL (<see cref="Process.Kill()"/>): a restart
/// deletes nothing whose source still has it, and with <c>--leader-elect etcd</c> exactly one replica writes and the other
/// takes over from a killed leader. Deletes are counted from etcd's own history (a watch replayed from before the first start).
/// </summary>
public sealed class SyncFailoverProcessTests(EtcdServerFixture fixture, ITestOutputHelper output) : IClassFixture<EtcdServerFixture>, IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);
    private readonly TempCatalogs _files = new();
    private readonly string _prefix = EtcdServerFixture.UniquePrefix("failover");

    public void Dispose() => _files.Dispose();

    /// <summary>A source file of <paramref name="services"/> services with <paramref name="instances"/> instances each.</summary>
    private static string Catalog(int services, int instances, string? extra = null)
    {
        var text = new StringBuilder("{ \"services\": [");
        for (var s = 0; s < services; s++)
        {
            text.Append(CultureInfo.InvariantCulture, $"{(s == 0 ? "" : ",")}{{ \"name\": \"svc-{s:000}\", \"instances\": [");
            for (var i = 0; i < instances; i++)
            {
                text.Append(CultureInfo.InvariantCulture, $"{(i == 0 ? "" : ",")}{{ \"id\": \"svc-{s:000}-{i}\", \"host\": \"10.{s / 250}.{s % 250}.{i + 1}\", \"ports\": [ {{ \"name\": \"http\", \"port\": 8080, \"protocol\": \"http\" }} ] }}");
            }

            text.Append("] }");
        }

        if (extra is not null)
        {
            text.Append(CultureInfo.InvariantCulture, $", {{ \"name\": \"{extra}\", \"instances\": [ {{ \"id\": \"{extra}-1\", \"host\": \"10.200.0.1\", \"ports\": [ {{ \"name\": \"http\", \"port\": 8080, \"protocol\": \"http\" }} ] }} ] }}");
        }

        return text.Append("] }").ToString();
    }

    private string Config(string source) => _files.Write("mesh.json", $$"""
        { "Mesh": { "Registries": [
          { "Name": "src", "Kind": "file", "Path": "{{source}}" },
          { "Name": "kv", "Kind": "etcd", "Endpoints": [ "{{fixture.Server.ClientUrl}}" ], "Prefix": "{{_prefix}}", "LeaseTtl": "00:01:00" } ] } }
        """);

    private async Task<int> CountAsync(EtcdTestClient client) => (await client.GetPrefixAsync(_prefix)).Kvs.Count;

    [Fact]
    public async Task Sync_KilledMidPassAndRestarted_DeletesNothingItsSourceStillHas()
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        const int Total = 40 * 25;
        var source = _files.Write("source.json", Catalog(40, 25));
        var config = Config(source);
        using var client = await EtcdTestClient.ConnectAsync(fixture.Server);
        var before = await client.RevisionAsync();
        string[] args = ["sync", "--config", config, "--to", "kv", "--max-writes-per-second", "100"];

        await using (var first = SyncProcess.Start(_files.Directory, args))
        {
            await Poll(async () => await CountAsync(client) > 0, "the first batch is written", first);
            first.Kill();
        }

        var written = await CountAsync(client);
        output.WriteLine($"killed with {written} of {Total} records written");
        written.ShouldBeLessThan(Total, "killed in the middle of the pass");
        await using (var restarted = SyncProcess.Start(_files.Directory, [.. args.Take(5)]))
        {
            await Poll(async () => await CountAsync(client) == Total, "the restarted sync completes the mirror", restarted);
            await restarted.StopAsync();
        }

        var history = await client.HistoryAsync(_prefix, before + 1);
        history.Count(static e => e.Type == "delete").ShouldBe(0, "a restart deletes nothing whose source still has it");
        history.Where(static e => e.Type == "put").GroupBy(static e => e.Key).ShouldAllBe(g => g.Count() == 1, "the restart rewrites nothing the killed sync wrote");
        history.Count.ShouldBe(Total);
    }

    [Fact]
    public async Task Sync_TwoReplicasWithEtcdElection_OneWritesAndTheOtherTakesOverFromAKilledLeader()
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        const int Total = 20 * 5;
        var source = _files.Write("source.json", Catalog(20, 5));
        var config = Config(source);
        using var client = await EtcdTestClient.ConnectAsync(fixture.Server);
        var before = await client.RevisionAsync();
        var syncId = "failover-" + Guid.NewGuid().ToString("n")[..8];
        string[] args = ["sync", "--config", config, "--to", "kv", "--sync-id", syncId, "--leader-elect", "etcd", "--lease-duration", "4s"];
        await using var a = SyncProcess.Start(_files.Directory, args);
        await a.WaitForLineAsync("leader: writing", Patience);
        await using var b = SyncProcess.Start(_files.Directory, args);
        await b.WaitForLineAsync("standby (reading, not writing) until elected", Patience);
        await Poll(async () => await CountAsync(client) == Total, "the leader mirrors the source", a);

        // A change while both run: only the leader writes it.
        _files.Replace(source, Catalog(20, 5, extra: "added-1"));
        await Poll(async () => await CountAsync(client) == Total + 1, "the leader mirrors the change", a);
        await a.WaitForLineAsync("create(s)", Patience);
        b.Lines.ShouldNotContain(l => l.Contains("create(s)", StringComparison.Ordinal) || l.Contains("leader: writing", StringComparison.Ordinal), b.Output);

        var killed = Stopwatch.StartNew();
        a.Kill();
        _files.Replace(source, Catalog(20, 5, extra: "added-2"));
        await b.WaitForLineAsync("leader: writing", Patience);
        output.WriteLine($"the standby led {killed.Elapsed.TotalSeconds:0.0} s after the leader was killed (lease duration 4 s)");
        await Poll(async () => (await client.GetPrefixAsync(_prefix + "added-2/")).Kvs.Count == 1 && (await client.GetPrefixAsync(_prefix + "added-1/")).Kvs.Count == 0, "the new leader mirrors the source as it is now", b);
        await b.StopAsync();

        (await CountAsync(client)).ShouldBe(Total + 1, "the target ends equal to the source");
        var history = await client.HistoryAsync(_prefix, before + 1);
        history.Where(static e => e.Type == "delete").Select(static e => e.Key).ShouldBe([_prefix + "added-1/added-1-1"], "the only delete is the record the source dropped");
    }

    [Fact]
    public async Task Sync_TwoReplicasTwoShards_TheSecondTakesOneShardAndWritesIt()
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        const int Total = 20 * 2;
        var source = _files.Write("source.json", Catalog(20, 2));
        var config = Config(source);
        using var client = await EtcdTestClient.ConnectAsync(fixture.Server);
        var syncId = "shards-" + Guid.NewGuid().ToString("n")[..8];
        string[] args = ["sync", "--config", config, "--to", "kv", "--sync-id", syncId, "--leader-elect", "etcd", "--lease-duration", "4s", "--shards", "2"];
        await using var a = SyncProcess.Start(_files.Directory, args);
        await a.WaitForLineAsync("shard 0 of 2: leader: writing", Patience);
        await a.WaitForLineAsync("shard 1 of 2: leader: writing", Patience);
        await Poll(async () => await CountAsync(client) == Total, "alone, a leads both shards and mirrors everything", a);

        await using var b = SyncProcess.Start(_files.Directory, args);
        await b.WaitForLineAsync("shard 1 of 2: leader: writing", Patience);
        await a.WaitForLineAsync("shard 1 of 2: standby", Patience);

        // A service of shard 1 is added: its new leader, b, writes it.
        var added = Enumerable.Range(0, 100).Select(static i => $"new-{i}").First(static n => SyncShards.Of(n, 2) == 1);
        _files.Replace(source, Catalog(20, 2, extra: added));
        await Poll(async () => (await client.GetPrefixAsync($"{_prefix}{added}/")).Kvs.Count == 1, "b mirrors the service of its shard", b);
        await b.WaitForLineAsync("kv: 1 create(s)", Patience); // b's summary of the pass that wrote it, printed after the write
        b.Lines.ShouldNotContain(static l => l.Contains("shard 0 of 2: leader", StringComparison.Ordinal), b.Output);
        await b.StopAsync();
        await a.StopAsync();
        (await CountAsync(client)).ShouldBe(Total + 1);
    }

    private static async Task Poll(Func<Task<bool>> condition, string because, SyncProcess process)
    {
        using var timeout = new CancellationTokenSource(Patience);
        while (!await condition())
        {
            if (timeout.IsCancellationRequested || process.HasExited)
            {
                throw new ShouldAssertException($"waiting for: {because}\n{process.Output}");
            }

            await Task.Delay(50, CancellationToken.None);
        }
    }

    /// <summary>One <c>mesh-sync</c> process with its stderr captured line by line.</summary>
    private sealed class SyncProcess : IAsyncDisposable
    {
        private readonly Process _process;
        private readonly List<string> _lines = [];
        private readonly Task _stderr;
        private readonly Task _stdout;

        private SyncProcess(Process process)
        {
            _process = process;
            _stderr = Task.Run(async () =>
            {
                while (await process.StandardError.ReadLineAsync() is { } line)
                {
                    lock (_lines)
                    {
                        _lines.Add(line);
                    }
                }
            });
            _stdout = process.StandardOutput.ReadToEndAsync();
        }

        public IReadOnlyList<string> Lines
        {
            get
            {
                lock (_lines)
                {
                    return [.. _lines];
                }
            }
        }

        public string Output => string.Join('\n', Lines);

        public bool HasExited => _process.HasExited;

        public static SyncProcess Start(string directory, string[] args) => new(Process.Start(CliRun.StartInfo(directory, args))!);

        public async Task WaitForLineAsync(string text, TimeSpan timeout)
        {
            using var cts = new CancellationTokenSource(timeout);
            while (!Lines.Any(l => l.Contains(text, StringComparison.Ordinal)))
            {
                if (cts.IsCancellationRequested || _process.HasExited)
                {
                    throw new ShouldAssertException($"no line with '{text}':\n{Output}");
                }

                await Task.Delay(20, CancellationToken.None);
            }
        }

        /// <summary>kill -9: no step-down, no release, nothing flushed.</summary>
        public void Kill()
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit();
        }

        /// <summary>SIGTERM, as Ctrl+C or a pod shutdown: the sync steps down and exits 0.</summary>
        public async Task StopAsync()
        {
            using (var kill = Process.Start("kill", ["-TERM", _process.Id.ToString(CultureInfo.InvariantCulture)]))
            {
                await kill.WaitForExitAsync();
            }

            await _process.WaitForExitAsync().WaitAsync(Patience);
            _process.ExitCode.ShouldBe(0, Output);
        }

        public async ValueTask DisposeAsync()
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync();
            }

            await Task.WhenAll(_stderr, _stdout);
            _process.Dispose();
        }
    }
}
