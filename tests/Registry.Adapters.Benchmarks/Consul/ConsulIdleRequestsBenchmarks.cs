using System.Globalization;
using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Registry.Adapters.Consul;
using Registry.Adapters.Consul.Tests.Fake;

namespace Registry.Adapters.Benchmarks.Consul;

/// <summary>
/// Requests made while idle: N services watched for 10 simulated minutes (a <see cref="FakeTimeProvider"/> drives
/// both the fake's <c>wait</c> and the client), counting requests. The goal is one blocking query per watch per
/// <c>wait</c> (5 minutes): about 2 to 3 per watch, plus one plain read each at start. Printed per case; the timing
/// BenchmarkDotNet reports is only the cost of simulating it.
/// </summary>
[WarmupCount(1)]
[IterationCount(3)]
public class ConsulIdleRequestsBenchmarks
{
    private readonly List<string> _results = [];

    [ParamsSource(nameof(ServiceCounts))]
    public int Services { get; set; }

    public static IEnumerable<int> ServiceCounts => BenchmarkSettings.Sizes(5, 50);

    [GlobalCleanup]
    public void Cleanup()
    {
        foreach (var line in _results.Distinct())
        {
            Console.WriteLine(line);
        }
    }

    [Benchmark]
    public async Task TenIdleMinutes()
    {
        var time = new FakeTimeProvider();
        await using var fake = await FakeConsulServer.StartAsync(time).ConfigureAwait(false);
        for (var i = 0; i < Services; i++)
        {
            fake.PutService($"node-{i}", $"10.4.{i / 250}.{(i % 250) + 1}", new FakeServiceSpec($"svc-{i}-1", $"svc-{i}") { Port = 8080 });
        }

        var settings = ConsulSettings.Create(new ConsulRegistryOptions { Address = fake.Address.ToString(), UseEnvironment = false }, "Consul");
        await using var registry = new ConsulServiceRegistry("consul", settings, NullLoggerFactory.Instance, time);
        using var stop = new CancellationTokenSource();
        var snapshot = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var pump = Task.Run(async () =>
        {
            try
            {
                await foreach (var item in registry.WatchAsync(stop.Token).ConfigureAwait(false))
                {
                    if (item is RegistrySnapshotEvent)
                    {
                        snapshot.TrySetResult();
                    }
                }
            }
            catch (OperationCanceledException)
            {
            }
        });
        await snapshot.Task.WaitAsync(TimeSpan.FromSeconds(30)).ConfigureAwait(false);

        var loops = Services + 1;
        string[] paths = ["/v1/catalog/services", .. Enumerable.Range(0, Services).Select(i => $"/v1/health/service/svc-{i}")];
        for (var second = 1; second <= 600; second++)
        {
            time.Advance(TimeSpan.FromSeconds(1));
            using var settle = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            // Settled when every watch holds exactly one blocking query.
            while (fake.BlockingInFlight != loops || !paths.All(p => fake.InFlight(p) == 1))
            {
                await Task.Delay(1, settle.Token).ConfigureAwait(false);
            }
        }

        var requests = fake.Requests.ToArray();
        var blocking = requests.Where(r => r.Query.Contains("index=", StringComparison.Ordinal)).GroupBy(r => r.Path).Select(g => g.Count()).ToArray();
        _results.Add(string.Create(
            CultureInfo.InvariantCulture,
            $"// consul idle 10 simulated minutes, {Services} services ({loops} watches, wait 5 min): {requests.Length} requests = {requests.Length - blocking.Sum()} plain reads + {blocking.Sum()} blocking queries; per watch min {blocking.Min()} max {blocking.Max()}"));
        await stop.CancelAsync().ConfigureAwait(false);
        await pump.ConfigureAwait(false);
    }
}
