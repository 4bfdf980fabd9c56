using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Registry.Adapters.Consul.Client;
using Registry.Adapters.Sync;

namespace Registry.Adapters.Consul.Leadership;

/// <summary>
/// <c>--leader-elect consul</c>: one Consul session per replica, with a TTL and no node checks (a session bound to the
/// agent's <c>serfHealth</c> would end with the agent, not with this process), <c>Behavior: delete</c> and a short
/// lock-delay, renewed every <see cref="SyncElectionOptions.RetryPeriod"/>. The replica holds a member key
/// (<c>mesh-sync/replicas/{name}/{identity}</c>) with it, which <see cref="ListReplicasAsync"/> lists, and each candidate
/// acquires <c>mesh-sync/election/{election}</c> with it (<see cref="ConsulSyncCandidate"/>).
/// </summary>
/// <remarks>
/// <para>Timings. Consul accepts TTLs from 10 s and invalidates a session up to <c>2 × TTL</c> after its last renewal
/// (SessionTTLMultiplier). The TTL is half the lease duration, at least 10 s, so a crashed leader's session ends within the
/// lease duration when that is 20 s or more; with the default 15 s it ends within 20 s. A replica whose renewals fail for
/// <see cref="SyncElectionOptions.RenewDeadline"/> gives its session up and stops leading; the docs promise the session lasts
/// at least one TTL, so the lock-delay is what is left of the renew deadline beyond the TTL (0 with the defaults): no
/// standby can acquire before a cut-off leader has stopped. Consul's default lock-delay of 15 s would add 15 s to every
/// failover after a crash.</para>
/// <para>Failover: a leader that stops or disposes releases its keys, and a standby blocked on the key acquires at once. A
/// crashed leader is replaced after at most <c>2 × TTL + lock-delay + RetryPeriod</c> (plus round trips).</para>
/// </remarks>
internal sealed partial class ConsulSyncElection : ISyncElection
{
    /// <summary>The KV prefix of the election keys.</summary>
    internal const string ElectionPrefix = "mesh-sync/election/";

    /// <summary>The KV prefix of the member keys.</summary>
    internal const string ReplicaPrefix = "mesh-sync/replicas/";

    private static readonly TimeSpan MinTtl = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan MaxTtl = TimeSpan.FromSeconds(86400);
    private static readonly TimeSpan MaxLockDelay = TimeSpan.FromSeconds(60);

    private readonly ConsulServiceRegistry _registry;
    private readonly CancellationTokenSource _disposed = new();
    private readonly Lock _gate = new();
    private readonly Dictionary<string, ConsulSyncCandidate> _candidates = new(StringComparer.Ordinal);
    private TaskCompletionSource<ConsulSession> _session = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private ConsulSession? _current;
    private Task? _keeper;

    public ConsulSyncElection(ConsulServiceRegistry registry, SyncElectionOptions options, ILoggerFactory? loggerFactory)
    {
        if (options.Validate() is { Count: > 0 } errors)
        {
            throw new ArgumentException(string.Join(" ", errors), nameof(options));
        }

        _registry = registry;
        Options = options;
        Logger = (loggerFactory ?? NullLoggerFactory.Instance).CreateLogger("Registry.Adapters.Consul.Leadership.ConsulSyncElection");
        Identity = options.Identity ?? SyncElectionOptions.DefaultIdentity();
        if (ValidateIdentity(Identity) is { } error)
        {
            throw new ArgumentException($"Mesh:Sync:LeaderElection:Identity '{ServiceInstanceValidator.Printable(Identity)}' {error}.", nameof(options));
        }

        Name = options.Name ?? SyncMetadata.DefaultSyncId;
        Ttl = SessionTtl(options.LeaseDuration);
        LockDelay = SessionLockDelay(options.RenewDeadline, Ttl);
        MemberKey = ReplicaPrefix + Name + "/" + Identity;
    }

    /// <inheritdoc />
    public string Identity { get; }

    /// <summary>The election name the member keys are grouped by.</summary>
    public string Name { get; }

    /// <summary>The session TTL: half the lease duration, within Consul's 10 s to 86400 s, in whole seconds.</summary>
    public TimeSpan Ttl { get; }

    /// <summary>The session's lock-delay: what the renew deadline exceeds the TTL by, in whole seconds, at most 60 s.</summary>
    public TimeSpan LockDelay { get; }

    /// <summary>This replica's member key.</summary>
    public string MemberKey { get; }

    internal SyncElectionOptions Options { get; }

    internal ILogger Logger { get; }

    internal ConsulClient Client => _registry.Client;

    internal TimeProvider Time => _registry.Time;

    internal string RegistryName => _registry.Name;

    internal CancellationToken Disposing => _disposed.Token;

    /// <summary>The session TTL for a lease duration.</summary>
    internal static TimeSpan SessionTtl(TimeSpan leaseDuration)
    {
        var half = TimeSpan.FromSeconds(Math.Ceiling(leaseDuration.TotalSeconds / 2));
        return half < MinTtl ? MinTtl : half > MaxTtl ? MaxTtl : half;
    }

    /// <summary>The lock-delay for a renew deadline and TTL.</summary>
    internal static TimeSpan SessionLockDelay(TimeSpan renewDeadline, TimeSpan ttl)
    {
        var rest = TimeSpan.FromSeconds(Math.Ceiling((renewDeadline - ttl).TotalSeconds));
        return rest < TimeSpan.Zero ? TimeSpan.Zero : rest > MaxLockDelay ? MaxLockDelay : rest;
    }

    /// <inheritdoc />
    public ISyncCandidate GetCandidate(string election)
    {
        ArgumentNullException.ThrowIfNull(election);
        if (SyncMetadata.ValidateSyncId(election) is { } error)
        {
            throw new ArgumentException($"The election name '{ServiceInstanceValidator.Printable(election)}' is not valid: {error}.", nameof(election));
        }

        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed.IsCancellationRequested, this);
            if (!_candidates.TryGetValue(election, out var candidate))
            {
                candidate = new ConsulSyncCandidate(this, election, ElectionPrefix + election);
                _candidates[election] = candidate;
            }

            return candidate;
        }
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<string>> ListReplicasAsync(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed.IsCancellationRequested, this);
        EnsureSession();
        var prefix = ReplicaPrefix + Name + "/";
        var members = await Client.ListKeysAsync(prefix, cancellationToken).ConfigureAwait(false);

        // Only held keys are live members (a key whose session ended is deleted, but a hand-written one may linger), and
        // this replica is one even before its member key is written (its session may still be on the way).
        return [.. members
            .Where(m => !string.IsNullOrEmpty(m.Session) && m.Key is { } key && key.Length > prefix.Length && key.StartsWith(prefix, StringComparison.Ordinal))
            .Select(m => m.Key![prefix.Length..])
            .Append(Identity)
            .Distinct(StringComparer.Ordinal)
            .Order(StringComparer.Ordinal)];
    }

    /// <summary>Starts the session keeper (once).</summary>
    internal void EnsureSession()
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed.IsCancellationRequested, this);
            _keeper ??= Task.Run(() => KeepAsync(_disposed.Token));
        }
    }

    /// <summary>The current session once there is one that is not lost.</summary>
    internal Task<ConsulSession> WaitForSessionAsync(CancellationToken cancellationToken)
    {
        EnsureSession();
        Task<ConsulSession> task;
        lock (_gate)
        {
            task = _session.Task;
        }

        return task.WaitAsync(cancellationToken);
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        ConsulSyncCandidate[] candidates;
        lock (_gate)
        {
            if (_disposed.IsCancellationRequested)
            {
                return;
            }

            candidates = [.. _candidates.Values];
        }

        // Leaders release their keys while the session still holds them (no lock-delay on a release), then the session goes.
        await Task.WhenAll(candidates.Select(static c => c.StopAsync(CancellationToken.None))).ConfigureAwait(false);

        await _disposed.CancelAsync().ConfigureAwait(false);
        if (_keeper is { } keeper)
        {
            await keeper.ConfigureAwait(false);
        }

        ConsulSession? current;
        lock (_gate)
        {
            current = _current;
            _current = null;
        }

        if (current is not null)
        {
            current.Dispose();
            if (!current.Gone)
            {
                await DestroyAsync(current).ConfigureAwait(false);
            }
        }

        _disposed.Dispose();
    }

    private static string? ValidateIdentity(string identity) =>
        identity.Length is 0 or > 128 ? "must have 1 to 128 characters"
        : identity.Any(static c => char.IsControl(c) || char.IsWhiteSpace(c) || c == '/') ? "must not contain '/', spaces or control characters"
        : identity is "." or ".." ? "must not be '.' or '..'"
        : null;
}
