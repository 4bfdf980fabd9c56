using BenchmarkDotNet.Attributes;
using Registry.Adapters.Eureka;
using Registry.Adapters.Eureka.Tests;
using Registry.Adapters.Eureka.Transport;

namespace Registry.Adapters.Benchmarks.Eureka;

/// <summary>
/// One idle fetch interval against the fake: the single <c>GET apps/delta</c> a watch makes when nothing changes, applied
/// and hash-checked against a registry of N instances. The request count itself (one delta GET per interval) is asserted
/// by <c>EurekaFetchCycleTests.Watch_NothingChanges_OneDeltaGetPerInterval</c>.
/// </summary>
[MemoryDiagnoser]
public class EurekaIdleFetchBenchmarks
{
    private FakeEurekaServer _server = null!;
    private EurekaClient _client = null!;
    private EurekaLocalRegistry _local = null!;
    private byte[] _idleDelta = [];

    public static IEnumerable<int> InstanceCounts => BenchmarkSettings.Sizes(10, 1_000, 10_000);

    [ParamsSource(nameof(InstanceCounts))]
    public int Instances { get; set; }

    [GlobalSetup]
    public async Task SetupAsync()
    {
        // A frozen clock: leases never expire while the benchmark runs (a real server would see heartbeats).
        var clock = new Microsoft.Extensions.Time.Testing.FakeTimeProvider();
        _server = await FakeEurekaServer.StartAsync(clock);
        for (var i = 0; i < Instances; i++)
        {
            var host = $"10.{i / 65536 % 256}.{i / 256 % 256}.{i % 256}";
            _server.Register($"APP-{i % Math.Max(1, Instances / 10)}", FakeEurekaServer.InstanceJson($"APP-{i % Math.Max(1, Instances / 10)}", host, host, 8080));
        }

        // Past the retention window nothing is in the delta: the idle steady state.
        _server.RetentionWindow = TimeSpan.Zero;
        clock.Advance(TimeSpan.FromSeconds(1));
        var options = new EurekaRegistryOptions();
        options.ServiceUrls.Add(_server.BaseUrl);
        _client = new EurekaClient(new EurekaTransport(options, TimeProvider.System));
        _local = new EurekaLocalRegistry(new EurekaInstanceMapper(options));
        _local.Load(await _client.GetApplicationsAsync(CancellationToken.None), []);
        _local.Publish(_local.HashCode);
        using var http = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, _server.BaseUrl + "apps/delta");
        request.Headers.Accept.ParseAdd("application/json");
        using var response = await http.SendAsync(request);
        _idleDelta = await response.Content.ReadAsByteArrayAsync();
    }

    [GlobalCleanup]
    public async Task CleanupAsync()
    {
        _client.Dispose();
        await _server.DisposeAsync();
    }

    /// <summary>The client's share alone: parse the (empty) delta body, apply it, and compare hash codes.</summary>
    [Benchmark]
    public int IdleDeltaApply()
    {
        var delta = EurekaClient.ParseApplications(_idleDelta);
        _local.ApplyDelta(delta, []);
        if (!string.Equals(_local.HashCode, delta.AppsHashCode, StringComparison.Ordinal))
        {
            throw new InvalidOperationException("hash mismatch on an idle registry");
        }

        return _local.Publish(delta.AppsHashCode).Count;
    }

    /// <summary>The whole idle interval: one <c>GET apps/delta</c> to the in-process fake over loopback (the fake's own work included), applied.</summary>
    [Benchmark]
    public async Task<int> IdleDeltaFetch()
    {
        var delta = await _client.GetDeltaAsync(CancellationToken.None) ?? throw new InvalidOperationException("delta refused");
        _local.ApplyDelta(delta, []);
        if (!string.Equals(_local.HashCode, delta.AppsHashCode, StringComparison.Ordinal))
        {
            throw new InvalidOperationException("hash mismatch on an idle registry");
        }

        return _local.Publish(delta.AppsHashCode).Count;
    }
}
