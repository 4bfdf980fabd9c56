using System.Diagnostics.Metrics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Registry.Adapters.Sync;

/// <summary>
/// Runs the sync of one replica under leader election: one candidate (<see cref="SyncElectionOptions.ElectionName"/>) and one
/// <see cref="MeshSyncEngine"/> per shard of <see cref="SyncOptions.Shards"/>, each engine mirroring only the services whose
/// target name hashes into its shard (<see cref="SyncShards.Of"/>) and writing only while its candidate leads. With one
/// shard it is plain leader election: standbys read and stay ready but do not write.
/// </summary>
/// <remarks>
/// <para>
/// Balancing, every <see cref="SyncElectionOptions.RetryPeriod"/>: the replicas are listed in the store
/// (<see cref="ISyncElection.ListReplicasAsync"/>) and this replica's share (<see cref="FairShare"/>) follows from its rank in
/// that ordinal-sorted list: with N shards on R replicas, the first N mod R replicas lead ⌈N / R⌉ and the others ⌊N / R⌋, so
/// the shares add up to N and every balanced state is within one shard of even (with fewer shards than replicas, each
/// replica's share is one and the idle ones stand by). While a replica leads fewer shards than its share, it campaigns in
/// every election it does not lead (so a shard released by another is taken at once); once it leads its share it withdraws
/// from the others; when it leads more (a replica joined, or the ranks moved) for longer than the settle period
/// (<see cref="SyncElectionOptions.LeaseDuration"/>), it steps down from one surplus shard per period, highest first, and
/// campaigns there again only when its share grows. Alone it leads every shard.
/// </para>
/// <para>
/// A shard's engine never plans, writes or deletes another shard's services, and a new leader of a shard starts with a full
/// reconcile of that shard. The shards of one replica share one write limit (<see cref="SyncOptions.MaxWritesPerSecond"/>)
/// and run one pass at a time. The election is the caller's: dispose it after this coordinator.
/// </para>
/// </remarks>
public sealed partial class SyncShardCoordinator : IAsyncDisposable
{
    private readonly ISyncElection _election;
    private readonly SyncOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly SyncMetrics? _metrics;
    private readonly SyncEngineShared _shared;
    private readonly ISyncCandidate[] _candidates;
    private readonly MeshSyncEngine[] _engines;
    private readonly Action<bool>[] _handlers;
    private readonly bool[] _campaigning;
    private readonly Lock _campaignLock = new();
    private readonly SemaphoreSlim _gate = new(1, 1);
    private TaskCompletionSource _wake = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private volatile ReplicaView _view = new(1, 0);
    private long? _surplusSince;
    private long? _steppedDown;
    private int _disposed;

    /// <summary>Creates the coordinator: a candidate and an engine per shard. Nothing campaigns before <see cref="RunAsync"/> or <see cref="RunOnceAsync"/>.</summary>
    /// <param name="catalog">The mesh catalog the sources feed.</param>
    /// <param name="targets">The target writers; their names are <see cref="SyncOptions.To"/>.</param>
    /// <param name="options">What to mirror, the limits, <see cref="SyncOptions.Shards"/> and <see cref="SyncOptions.LeaderElection"/>; validated here.</param>
    /// <param name="election">This replica's election (from <see cref="ISyncElectionStore.CreateElection"/>).</param>
    /// <param name="timeProvider">The clock (balancing period, settle period, resync, write limit).</param>
    /// <param name="loggerFactory">Logs leadership per shard and the engines' summaries; none when <see langword="null"/>.</param>
    /// <param name="meterFactory">Creates the meter for <c>registry.sync.*</c> (the leader gauge by <c>sync.shard</c>); none when <see langword="null"/>.</param>
    /// <exception cref="ArgumentException">The options are invalid.</exception>
    public SyncShardCoordinator(
        IMeshCatalog catalog,
        IEnumerable<IServiceRegistryWriter> targets,
        SyncOptions options,
        ISyncElection election,
        TimeProvider? timeProvider = null,
        ILoggerFactory? loggerFactory = null,
        IMeterFactory? meterFactory = null)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(targets);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(election);
        var errors = options.Validate();
        if (errors.Count > 0)
        {
            throw new ArgumentException(string.Join(" ", errors), nameof(options));
        }

        _election = election;
        _options = options;
        _time = timeProvider ?? TimeProvider.System;
        _logger = loggerFactory?.CreateLogger<SyncShardCoordinator>() ?? (ILogger)NullLogger.Instance;
        _metrics = meterFactory is null ? null : new SyncMetrics(meterFactory);
        _shared = new SyncEngineShared(options, _time);
        var writers = targets.ToList();
        var name = ElectionBaseName(options);
        var shards = options.Shards;
        _candidates = new ISyncCandidate[shards];
        _engines = new MeshSyncEngine[shards];
        _handlers = new Action<bool>[shards];
        _campaigning = new bool[shards];
        var engineLogger = loggerFactory?.CreateLogger<MeshSyncEngine>();
        for (var shard = 0; shard < shards; shard++)
        {
            var candidate = election.GetCandidate(SyncElectionOptions.ElectionName(name, shard, shards));
            _candidates[shard] = candidate;
            _engines[shard] = new MeshSyncEngine(catalog, writers, options, candidate, _time, engineLogger, _metrics, shard, _shared);
            var index = shard;
            _handlers[shard] = leads => OnLeadershipChanged(index, leads);
            candidate.LeadershipChanged += _handlers[shard];
            _metrics?.Leader(MetricShard(shard), false);
        }
    }

    /// <summary>The number of shards (<see cref="SyncOptions.Shards"/>).</summary>
    public int Shards => _candidates.Length;

    /// <summary>This replica's candidate in each shard's election, by shard.</summary>
    public IReadOnlyList<ISyncCandidate> Candidates => _candidates;

    /// <summary>The engine of each shard, by shard.</summary>
    public IReadOnlyList<MeshSyncEngine> Engines => _engines;

    /// <summary>The replicas listed in the store at the last balancing (1 before the first).</summary>
    public int Replicas => _view.Replicas;

    /// <summary>This replica's place in the ordinal-sorted identities of the replicas at the last balancing (0 before the first).</summary>
    public int Rank => _view.Rank;

    /// <summary>
    /// The most shards this replica leads once balanced: its share by <see cref="Rank"/> among the <see cref="Replicas"/>
    /// (<see cref="FairShareOf"/>), ⌈<see cref="Shards"/> / <see cref="Replicas"/>⌉ or ⌊<see cref="Shards"/> / <see cref="Replicas"/>⌋.
    /// </summary>
    public int FairShare
    {
        get
        {
            var view = _view;
            return FairShareOf(Shards, view.Replicas, view.Rank);
        }
    }

    /// <summary>The shards this replica leads now.</summary>
    public IReadOnlyList<int> LeadingShards => [.. Enumerable.Range(0, Shards).Where(s => _candidates[s].IsLeader)];

    /// <summary>The shards whose election this replica stands in now (leading or waiting).</summary>
    public IReadOnlyList<int> CampaigningShards
    {
        get
        {
            lock (_campaignLock)
            {
                return [.. Enumerable.Range(0, Shards).Where(s => _campaigning[s])];
            }
        }
    }

    /// <summary>Called after every pass of every shard's engine (<see cref="SyncPassResult.Shard"/> tells which).</summary>
    public Action<SyncPassResult>? PassCompleted
    {
        get => _engines[0].PassCompleted;
        set
        {
            foreach (var engine in _engines)
            {
                engine.PassCompleted = value;
            }
        }
    }

    /// <summary>Called when this replica starts (<see langword="true"/>) or stops leading a shard.</summary>
    public Action<int, bool>? LeadershipChanged { get; set; }

    /// <summary>
    /// The share of the replica at <paramref name="rank"/> in the ordinal-sorted identities of <paramref name="replicas"/>:
    /// ⌈<paramref name="shards"/> / <paramref name="replicas"/>⌉ for the first <paramref name="shards"/> mod
    /// <paramref name="replicas"/> ranks, ⌊<paramref name="shards"/> / <paramref name="replicas"/>⌋ for the others, so the shares
    /// of all ranks add up to <paramref name="shards"/>. With fewer shards than replicas every rank's share is 1 instead (any
    /// replica may lead one shard; those that lead none stand by in every election), so a join never moves a shard then.
    /// </summary>
    /// <param name="shards">The number of shards.</param>
    /// <param name="replicas">The number of replicas (at least 1 is assumed).</param>
    /// <param name="rank">The replica's place among them, from 0 (clamped to the range).</param>
    /// <returns>The most shards that replica leads once balanced.</returns>
    public static int FairShareOf(int shards, int replicas, int rank)
    {
        replicas = Math.Max(1, replicas);
        var floor = shards / replicas;
        if (floor == 0)
        {
            return Math.Min(1, shards);
        }

        return Math.Clamp(rank, 0, replicas - 1) < shards % replicas ? floor + 1 : floor;
    }

    /// <summary>Campaigns, balances and runs every shard's engine until cancelled; then steps down from every shard.</summary>
    /// <param name="cancellationToken">Stops the sync.</param>
    /// <returns>A task that completes when cancelled and stepped down.</returns>
    public async Task RunAsync(CancellationToken cancellationToken = default)
    {
        Log.Standby(_logger, _election.Identity, Shards);
        using var running = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var loops = _engines.Select(e => Task.Run(() => e.RunAsync(running.Token), CancellationToken.None)).ToArray();
        var anyLoopEnded = Task.WhenAny(loops);
        try
        {
            long? listed = null;
            while (!cancellationToken.IsCancellationRequested)
            {
                var wake = Volatile.Read(ref _wake);
                if (listed is null || _time.GetElapsedTime(listed.Value) >= Period)
                {
                    await ListReplicasAsync(cancellationToken).ConfigureAwait(false);
                    listed = _time.GetTimestamp();
                }

                await BalanceAsync(cancellationToken).ConfigureAwait(false);
                if (anyLoopEnded.IsCompleted && !cancellationToken.IsCancellationRequested)
                {
                    // A shard's engine ended without being asked to: stop leading everything (a standby takes over) and
                    // surface its error, instead of keeping a lease nobody writes under.
                    await (await anyLoopEnded.ConfigureAwait(false)).ConfigureAwait(false);
                    throw new InvalidOperationException("a shard's sync engine stopped on its own; the replica stepped down");
                }

                var due = Period - _time.GetElapsedTime(listed.Value);
                await WaitAsync(Task.WhenAny(wake.Task, anyLoopEnded), due > TimeSpan.Zero ? due : TimeSpan.Zero, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            Log.Failed(_logger, _election.Identity, ex.Message);
            throw;
        }
        finally
        {
            // The engines stop whatever ended the run (cancellation, a failed balance, a faulted engine), so this never hangs.
            await running.CancelAsync().ConfigureAwait(false);
            await StepDownAsync().ConfigureAwait(false);
            await Task.WhenAll(loops).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    /// <summary>
    /// One pass of every shard as its leader (<c>--once</c>, <c>--purge</c>): campaigns in every election, waits until this
    /// replica leads them all (at most <paramref name="leadershipTimeout"/>), runs each shard's pass, then steps down.
    /// Nothing is written unless every shard is led; the timeout bounds only the wait, never a pass under way.
    /// </summary>
    /// <param name="leadershipTimeout">How long to wait to lead every shard, on the coordinator's clock; <see cref="Timeout.InfiniteTimeSpan"/> waits until cancelled.</param>
    /// <param name="cancellationToken">Stops waiting for leadership, or the passes (what was written stays written).</param>
    /// <returns>The pass of each shard, by shard.</returns>
    /// <exception cref="TimeoutException">Another replica still leads a shard after <paramref name="leadershipTimeout"/>; nothing was written.</exception>
    public async Task<IReadOnlyList<SyncPassResult>> RunOnceAsync(TimeSpan leadershipTimeout, CancellationToken cancellationToken = default)
    {
        try
        {
            for (var shard = 0; shard < Shards; shard++)
            {
                Campaign(shard);
            }

            using (var bound = leadershipTimeout == Timeout.InfiniteTimeSpan ? new CancellationTokenSource() : new CancellationTokenSource(leadershipTimeout, _time))
            using (var wait = CancellationTokenSource.CreateLinkedTokenSource(bound.Token, cancellationToken))
            {
                try
                {
                    foreach (var candidate in _candidates)
                    {
                        await candidate.WaitForLeadershipAsync(wait.Token).ConfigureAwait(false);
                    }
                }
                catch (OperationCanceledException) when (bound.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
                {
                    throw new TimeoutException("another replica still leads a shard after the leadership timeout; nothing was written");
                }
            }

            var passes = new List<SyncPassResult>(Shards);
            foreach (var engine in _engines)
            {
                passes.Add(await engine.RunOnceAsync(cancellationToken).ConfigureAwait(false));
            }

            return passes;
        }
        finally
        {
            await StepDownAsync().ConfigureAwait(false);
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await StepDownAsync().ConfigureAwait(false);
        for (var shard = 0; shard < Shards; shard++)
        {
            _candidates[shard].LeadershipChanged -= _handlers[shard];
            _engines[shard].Dispose();
        }

        _shared.Dispose();
        _gate.Dispose();
    }

    /// <summary>
    /// Creates this replica's election for <paramref name="options"/> on <paramref name="store"/>: the options of
    /// <see cref="SyncOptions.LeaderElection"/> with the election name resolved (<see cref="SyncElectionOptions.Name"/>, else
    /// the sync id), so the replicas of one sync are listed and campaign together and those of another sync id do not.
    /// </summary>
    /// <param name="store">The registry that holds the election (<c>registry as ISyncElectionStore</c>).</param>
    /// <param name="options">The sync options (validated).</param>
    /// <param name="loggerFactory">Logs leadership changes; none when <see langword="null"/>.</param>
    /// <returns>The election; dispose it after the coordinator.</returns>
    public static ISyncElection CreateElection(ISyncElectionStore store, SyncOptions options, ILoggerFactory? loggerFactory = null)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(options);
        var election = options.LeaderElection;
        return store.CreateElection(
            new SyncElectionOptions
            {
                Kind = election.Kind,
                Registry = election.Registry,
                Name = ElectionBaseName(options),
                Namespace = election.Namespace,
                Identity = election.Identity,
                LeaseDuration = election.LeaseDuration,
                RenewDeadline = election.RenewDeadline,
                RetryPeriod = election.RetryPeriod,
            },
            loggerFactory);
    }

    /// <summary>
    /// Finds the registry that holds the election: the one named by <see cref="SyncElectionOptions.Registry"/>, else the only
    /// registry of <see cref="SyncElectionOptions.Kind"/>; it must implement <see cref="ISyncElectionStore"/>.
    /// </summary>
    /// <param name="registries">The running registries.</param>
    /// <param name="election">The election options.</param>
    /// <returns>The store, or <see langword="null"/> with kind <c>none</c>.</returns>
    /// <exception cref="InvalidOperationException">No such registry, several of the kind, the wrong kind, or one that cannot hold an election; the message names the setting and the fix.</exception>
    public static ISyncElectionStore? FindElectionStore(IEnumerable<IServiceRegistry> registries, SyncElectionOptions election)
    {
        ArgumentNullException.ThrowIfNull(registries);
        ArgumentNullException.ThrowIfNull(election);
        const string RegistrySetting = "Mesh:Sync:LeaderElection:Registry (--leader-elect-registry)";
        var kind = election.Kind;
        if (string.Equals(kind, "none", StringComparison.Ordinal))
        {
            return election.Registry is null
                ? null
                : throw new InvalidOperationException($"{RegistrySetting} names the registry of a leader election; set Mesh:Sync:LeaderElection:Kind (--leader-elect) to etcd, consul or kubernetes too.");
        }

        var known = registries.ToList();
        IServiceRegistry registry;
        if (election.Registry is { } name)
        {
            registry = known.FirstOrDefault(r => string.Equals(r.Name, name, StringComparison.OrdinalIgnoreCase))
                ?? throw new InvalidOperationException($"{RegistrySetting}: no registry is named '{ServiceInstanceValidator.Printable(name)}'; the registries are {string.Join(", ", known.Select(static r => r.Name))}.");
            if (!string.Equals(registry.Kind, kind, StringComparison.OrdinalIgnoreCase))
            {
                throw new InvalidOperationException($"{RegistrySetting}: registry '{registry.Name}' is of kind {registry.Kind}, not {kind} (the leader election's kind).");
            }
        }
        else
        {
            var ofKind = known.Where(r => string.Equals(r.Kind, kind, StringComparison.OrdinalIgnoreCase)).ToList();
            registry = ofKind.Count switch
            {
                0 => throw new InvalidOperationException($"Leader election in {kind} (--leader-elect): no registry of kind {kind} is configured; add one to hold the election."),
                > 1 => throw new InvalidOperationException($"Leader election in {kind} (--leader-elect): registries {string.Join(", ", ofKind.Select(static r => r.Name))} are of kind {kind}; name the one that holds the election in {RegistrySetting}."),
                _ => ofKind[0],
            };
        }

        return registry as ISyncElectionStore
            ?? throw new InvalidOperationException($"Leader election in {kind} (--leader-elect): registry '{registry.Name}' cannot hold a leader election in this build.");
    }

    internal static string ElectionBaseName(SyncOptions options) => options.LeaderElection.Name ?? options.SyncId;

    private TimeSpan Period => _options.LeaderElection.RetryPeriod;

    private TimeSpan Settle => _options.LeaderElection.LeaseDuration;

    private int MetricShard(int shard) => Shards > 1 ? shard : -1;

    private void OnLeadershipChanged(int shard, bool leads)
    {
        _metrics?.Leader(MetricShard(shard), leads);
        Log.Leadership(_logger, shard, Shards, _candidates[shard].Election, leads ? "leader" : "standby");
        LeadershipChanged?.Invoke(shard, leads);

        // Re-balance at once (with the last list): a replica that reached its fair share withdraws from the other elections.
        Interlocked.Exchange(ref _wake, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
    }

    private async Task WaitAsync(Task wake, TimeSpan due, CancellationToken cancellationToken)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var delay = Task.Delay(due, _time, stop.Token);
        await Task.WhenAny(delay, wake).ConfigureAwait(false);
        await stop.CancelAsync().ConfigureAwait(false);
        cancellationToken.ThrowIfCancellationRequested();
    }
}
