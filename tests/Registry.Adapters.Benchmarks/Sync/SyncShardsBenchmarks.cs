using System.Globalization;
using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.Time.Testing;
using Registry.Adapters.Sync;
using Registry.Adapters.Testing.Sync;

namespace Registry.Adapters.Benchmarks.Sync;

/// <summary>
/// Shards: 4 replicas with <c>--shards 4</c> and 3 replicas with <c>--shards 4</c> (<see cref="SyncShardCoordinator"/>)
/// against one replica with one shard, side by side, on the in-memory election and target of the test kit and a
/// <see cref="FakeTimeProvider"/> (the balancing and settle periods are simulated). The replicas start together and balance
/// to their shares (one shard each; 2, 1, 1); then every invocation changes every service once and waits until the target
/// holds the change. The cleanup prints the writes each replica made during those rounds against an even split and against
/// the best split whole shards allow (⌈shards / replicas⌉ of them for the busiest; goal: within 1.3x of it), and the writes
/// of the cold start. The timing is one round of changes through the replicas.
/// </summary>
[WarmupCount(1)]
[IterationCount(5)]
[InvocationCount(1)]
public class SyncShardsBenchmarks
{
    private readonly List<string> _results = [];
    private Cluster _cluster = null!;
    private int _round;

    public static IEnumerable<int> ServiceCounts => BenchmarkSettings.Sizes(40, 1_000);

    [ParamsSource(nameof(ServiceCounts))]
    public int Services { get; set; }

    [GlobalSetup(Target = nameof(OneReplicaOneShard))]
    public Task SetupOneAsync() => SetupAsync(replicas: 1, shards: 1);

    [GlobalSetup(Target = nameof(FourReplicasFourShards))]
    public Task SetupFourAsync() => SetupAsync(replicas: 4, shards: 4);

    [GlobalSetup(Target = nameof(ThreeReplicasFourShards))]
    public Task SetupThreeAsync() => SetupAsync(replicas: 3, shards: 4);

    [GlobalCleanup]
    public async Task CleanupAsync()
    {
        _results.Add(_cluster.Report());
        await _cluster.DisposeAsync().ConfigureAwait(false);
        foreach (var line in _results)
        {
            Console.WriteLine(line);
        }
    }

    [Benchmark(Baseline = true)]
    public Task OneReplicaOneShard() => RoundAsync();

    [Benchmark]
    public Task FourReplicasFourShards() => RoundAsync();

    [Benchmark]
    public Task ThreeReplicasFourShards() => RoundAsync();

    private async Task SetupAsync(int replicas, int shards)
    {
        _cluster = new Cluster(Services, replicas, shards);
        await _cluster.StartAsync().ConfigureAwait(false);
    }

    private Task RoundAsync() => _cluster.ChangeEveryServiceAsync(++_round);

    /// <summary>Replicas of one sync on one catalog, election and target.</summary>
    private sealed class Cluster : IAsyncDisposable
    {
        private readonly int _services;
        private readonly int _replicas;
        private readonly int _shards;
        private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 2, 0, 0, 0, TimeSpan.Zero));
        private readonly MeshCatalog _catalog;
        private readonly InMemorySyncElectionStore _store;
        private readonly InMemorySyncTarget _target;
        private readonly List<(InMemorySyncElection Election, SyncShardCoordinator Coordinator, Task Run)> _running = [];
        private readonly CancellationTokenSource _stop = new();
        private int _coldWrites;
        private int _coldLog;
        private TimeSpan _converged;

        public Cluster(int services, int replicas, int shards)
        {
            _services = services;
            _replicas = replicas;
            _shards = shards;
            _catalog = new MeshCatalog(new MeshOptions { DropGuardRatio = null }, _time);
            _catalog.AddRegistry("eureka", "memory", 0);
            _catalog.Apply("eureka", new RegistrySnapshotEvent(new RegistrySnapshot
            {
                Services = Enumerable.Range(0, services).ToDictionary(Name, s => (IReadOnlyList<ServiceInstance>)[Instance(s, 0), Instance(s, 1)], StringComparer.Ordinal),
            }));
            _store = new InMemorySyncElectionStore(_time, TimeSpan.FromSeconds(15), registry: "target");
            _target = new InMemorySyncTarget("target", _store);
        }

        private static string Name(int service) => string.Create(CultureInfo.InvariantCulture, $"svc-{service:0000}");

        private static ServiceInstance Instance(int service, int i, int round = 0) => new()
        {
            Service = Name(service),
            Id = string.Create(CultureInfo.InvariantCulture, $"{Name(service)}-{i}"),
            Host = string.Create(CultureInfo.InvariantCulture, $"10.{round % 250}.{service % 250}.{i + 1}"),
            Ports = [new ServicePort("http", 8080 + (service / 250), "http")],
        };

        public async Task StartAsync()
        {
            var started = _time.GetUtcNow();
            for (var r = 0; r < _replicas; r++)
            {
                var name = string.Create(CultureInfo.InvariantCulture, $"replica-{r}");
                var options = new SyncOptions { Shards = _shards, MaxWritesPerSecond = 1_000_000 };
                options.To.Add("target");
                options.LeaderElection.Kind = "etcd";
                var election = _store.CreateElection(name);
                var coordinator = new SyncShardCoordinator(_catalog, [_target.Writer(name)], options, election, _time);
                _running.Add((election, coordinator, coordinator.RunAsync(_stop.Token)));
            }

            await UntilAsync(() => _running.All(r => r.Coordinator.Replicas == _replicas
                    && r.Coordinator.LeadingShards.Count == r.Coordinator.FairShare
                    && r.Coordinator.CampaigningShards.Count == r.Coordinator.FairShare)
                && _running.Sum(r => r.Coordinator.LeadingShards.Count) == _shards
                && Mirrored(0)).ConfigureAwait(false);
            _converged = _time.GetUtcNow() - started;
            _coldLog = _target.Log.Count;
            _coldWrites = _coldLog;
        }

        public async Task ChangeEveryServiceAsync(int round)
        {
            for (var s = 0; s < _services; s++)
            {
                _catalog.Apply("eureka", new ServiceChangedEvent(Name(s), [Instance(s, 0, round), Instance(s, 1)], null));
            }

            await UntilAsync(() => Mirrored(round)).ConfigureAwait(false);
        }

        public string Report()
        {
            var log = _target.Log;
            var rounds = log.Skip(_coldLog).GroupBy(static e => e.Replica).ToDictionary(static g => g.Key, static g => g.Count(), StringComparer.Ordinal);
            var total = rounds.Values.Sum();
            var even = (double)total / _replicas;
            var best = (double)total * SyncShardCoordinator.FairShareOf(_shards, _replicas, 0) / _shards;
            var busiest = rounds.Count == 0 ? 0 : rounds.Values.Max();
            var cold = log.Take(_coldLog).GroupBy(static e => e.Replica).Select(static g => $"{g.Key} {g.Count()}");
            return string.Create(
                CultureInfo.InvariantCulture,
                $"Shards {_replicas} replicas x {_shards} shards, {_services} services: writes per replica over the rounds {string.Join(", ", rounds.OrderBy(static p => p.Key, StringComparer.Ordinal).Select(static p => $"{p.Key} {p.Value}"))} (even split {even:0.#}, busiest {busiest / Math.Max(1, even):0.00}x of it; best whole-shard split {best:0.#}, busiest {busiest / Math.Max(1, best):0.00}x of it); cold start {_coldWrites} writes ({string.Join(", ", cold)}), balanced after {_converged.TotalSeconds:0} simulated s");
        }

        public async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync().ConfigureAwait(false);
            foreach (var (election, coordinator, run) in _running)
            {
                await run.ConfigureAwait(false);
                await coordinator.DisposeAsync().ConfigureAwait(false);
                await election.DisposeAsync().ConfigureAwait(false);
            }

            _catalog.Dispose();
            _stop.Dispose();
        }

        private bool Mirrored(int round)
        {
            var records = _target.Records;
            var host = string.Create(CultureInfo.InvariantCulture, $"10.{round % 250}.");
            return records.Count == _services && records.Values.All(set => set.Count == 2 && set[0].Host.StartsWith(host, StringComparison.Ordinal));
        }

        /// <summary>Waits for the replicas, advancing the simulated clock one retry period whenever nothing happened for a moment.</summary>
        private async Task UntilAsync(Func<bool> condition)
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(120));
            var idle = 0;
            while (!condition())
            {
                timeout.Token.ThrowIfCancellationRequested();
                await Task.Delay(1, timeout.Token).ConfigureAwait(false);
                if (++idle % 20 == 0)
                {
                    _time.Advance(TimeSpan.FromSeconds(2));
                }
            }
        }
    }
}
