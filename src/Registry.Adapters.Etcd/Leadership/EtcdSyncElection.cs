using System.Globalization;
using Etcdserverpb;
using Google.Protobuf;
using Grpc.Core;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Registry.Adapters.Sync;

namespace Registry.Adapters.Etcd;

/// <summary>
/// This replica's leader election on etcd, built on KV, Lease and Watch as etcd's own <c>concurrency</c> package does
/// (not on dotnet-etcd's election API, whose lease-less campaign expires on its own): one lease the process grants with
/// TTL <see cref="SyncElectionOptions.LeaseDuration"/> and keeps alive every <see cref="SyncElectionOptions.RetryPeriod"/>,
/// a replica key <c>/mesh-sync/replicas/{name}/{lease hex}</c> on it (its value the identity) for <see cref="ListReplicasAsync"/>, and one
/// <see cref="EtcdSyncCandidate"/> per election whose key <c>/mesh-sync/election/{election}/{lease hex}</c> is on it too.
/// A lease that could not be renewed for <see cref="SyncElectionOptions.RenewDeadline"/> is given up (every candidate
/// stops leading before etcd can expire it) and a new one is granted; disposing revokes it, which deletes every key at once.
/// </summary>
internal sealed partial class EtcdSyncElection : ISyncElection
{
    /// <summary>Where the candidates of each election live (outside every registry prefix).</summary>
    internal const string ElectionPrefix = "/mesh-sync/election/";

    /// <summary>Where each replica's presence lives, per election name.</summary>
    internal const string ReplicaPrefix = "/mesh-sync/replicas/";

    private readonly EtcdRegistryOptions _options;
    private readonly Dictionary<string, EtcdSyncCandidate> _candidates = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _disposed = new();
    private readonly SemaphoreSlim _connect = new(1, 1);
    private readonly Lock _gate = new();
    private TaskCompletionSource<EtcdElectionSession> _nextSession = NewSessionSource();
    private EtcdElectionSession? _session;
    private Task? _sessions;
    private EtcdConnection? _connection;
    private int _endpoint;
    private int _closed;

    public EtcdSyncElection(string registry, EtcdRegistryOptions options, SyncElectionOptions election, TimeProvider time, ILoggerFactory? loggerFactory)
    {
        RegistryName = registry;
        _options = options;
        Options = election;
        Time = time;
        Logger = loggerFactory?.CreateLogger<EtcdSyncElection>() ?? NullLogger<EtcdSyncElection>.Instance;
        Name = election.Name ?? SyncMetadata.DefaultSyncId;
        Identity = string.IsNullOrWhiteSpace(election.Identity) ? SyncElectionOptions.DefaultIdentity() : election.Identity;
        TtlSeconds = Math.Max(2, (long)Math.Ceiling(election.LeaseDuration.TotalSeconds));
    }

    /// <inheritdoc />
    public string Identity { get; }

    /// <summary>The registry whose connection holds the election (<see cref="WriteFence.Registry"/>).</summary>
    internal string RegistryName { get; }

    /// <summary>The election name of <see cref="SyncElectionOptions.Name"/> (the replica keys live under it).</summary>
    internal string Name { get; }

    internal SyncElectionOptions Options { get; }

    internal TimeProvider Time { get; }

    internal ILogger Logger { get; }

    internal long TtlSeconds { get; }

    internal CancellationToken Disposed => _disposed.Token;

    /// <summary>The replica key of a lease.</summary>
    internal string ReplicaKey(long lease) => $"{ReplicaPrefix}{Name}/{Hex(lease)}";

    /// <inheritdoc />
    public ISyncCandidate GetCandidate(string election)
    {
        ArgumentNullException.ThrowIfNull(election);
        if (SyncMetadata.ValidateSyncId(election) is not null)
        {
            throw new ArgumentException(
                $"The election name '{ServiceInstanceValidator.Printable(election)}' is not a DNS label of at most {SyncMetadata.MaxSyncIdLength} characters (lower-case letters, digits and '-', not starting or ending with '-'); it becomes an etcd key segment under {ElectionPrefix}.",
                nameof(election));
        }

        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_closed != 0, this);
            if (!_candidates.TryGetValue(election, out var candidate))
            {
                candidate = new EtcdSyncCandidate(this, election);
                _candidates[election] = candidate;
            }

            return candidate;
        }
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<string>> ListReplicasAsync(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_closed != 0, this);
        EnsureSessions();
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _disposed.Token);
        var connection = await ConnectionAsync(linked.Token).ConfigureAwait(false);
        var prefix = System.Text.Encoding.UTF8.GetBytes($"{ReplicaPrefix}{Name}/");
        var request = new RangeRequest { Key = ByteString.CopyFrom(prefix), RangeEnd = ByteString.CopyFrom(EtcdRecordCodec.PrefixEnd(prefix)) };
        try
        {
            var response = await connection.CallAsync(
                h => connection.Kv.RangeAsync(request, h, connection.Deadline, linked.Token).ResponseAsync,
                "listing the replicas of the election",
                linked.Token).ConfigureAwait(false);

            // This replica is in the list before its own key is written (its first lease), and once only while an old
            // lease it gave up still runs out beside the new one.
            return [.. response.Kvs.Select(static kv => kv.Value.ToStringUtf8()).Where(static id => id.Length > 0).Append(Identity)
                .Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)];
        }
        catch (RegistryException)
        {
            Failed(connection);
            throw;
        }
    }

    /// <summary>Steps down everywhere, then revokes the lease (deleting every key of this replica at once).</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _closed, 1) == 0)
        {
            await CloseAsync(revoke: true).ConfigureAwait(false);
        }
    }

    /// <summary>Stops everything without revoking or deleting anything, as a killed process would (for tests of a crash).</summary>
    internal async Task AbandonAsync()
    {
        if (Interlocked.Exchange(ref _closed, 1) == 0)
        {
            await CloseAsync(revoke: false).ConfigureAwait(false);
        }
    }

    /// <summary>The lease in effect, or <see langword="null"/> between leases.</summary>
    internal EtcdElectionSession? CurrentSession
    {
        get
        {
            lock (_gate)
            {
                return _session is { IsLost: false } session ? session : null;
            }
        }
    }

    /// <summary>The lease in effect, or the next one granted.</summary>
    internal Task<EtcdElectionSession> SessionAsync(CancellationToken cancellationToken)
    {
        EnsureSessions();
        lock (_gate)
        {
            return _session is { IsLost: false } session ? Task.FromResult(session) : _nextSession.Task.WaitAsync(cancellationToken);
        }
    }

    /// <summary>The connection in use; a new one (to the next endpoint) after <see cref="Failed"/>.</summary>
    internal async Task<EtcdConnection> ConnectionAsync(CancellationToken cancellationToken)
    {
        if (Volatile.Read(ref _connection) is { } current)
        {
            return current;
        }

        await _connect.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_connection is { } connection)
            {
                return connection;
            }

            ObjectDisposedException.ThrowIf(_disposed.IsCancellationRequested, this);
            try
            {
                _connection = await EtcdConnection.ConnectAsync(_options, _endpoint, cancellationToken).ConfigureAwait(false);
                return _connection;
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                var endpoint = EtcdRegistryOptions.ParseEndpoint(_options.Endpoints[_endpoint % _options.Endpoints.Count]);
                _endpoint++;
                throw EtcdErrors.Translate(ex, endpoint, "connecting for the leader election");
            }
        }
        finally
        {
            _connect.Release();
        }
    }

    /// <summary>
    /// A request on <paramref name="connection"/> failed at the transport: with several endpoints the next one is tried.
    /// With one, the gRPC channel reconnects by itself and is kept (its streams are all re-opened by their owners).
    /// </summary>
    internal void Failed(EtcdConnection connection)
    {
        if (_options.Endpoints.Count < 2)
        {
            return;
        }

        if (Interlocked.CompareExchange(ref _connection, null, connection) == connection)
        {
            _endpoint++;

            // Streams still open on it fail and are re-opened by their owners on the next connection.
            connection.Dispose();
        }
    }

    /// <summary>
    /// Whether a failure of a request or stream is one the election retries: every one it can meet. A permanent one
    /// (bad credentials, no permission) is retried too, slowly (<see cref="RetryDelay"/>), so that fixing the role in
    /// etcd is enough, as the watch of the registry does.
    /// </summary>
    internal static bool IsRetryable(Exception ex) =>
        ex is RegistryException or RpcException or IOException or HttpRequestException or ObjectDisposedException or InvalidOperationException
            or OperationCanceledException;

    /// <summary>How long to wait after <paramref name="ex"/>: the retry period, or the registry's reconnect backoff for a permanent failure.</summary>
    internal TimeSpan RetryDelay(Exception ex, RetryBackoff backoff)
    {
        if (ex is RegistryException { IsPermanent: true })
        {
            var delay = backoff.NextDelay();
            return delay > Options.RetryPeriod ? delay : Options.RetryPeriod;
        }

        backoff.Reset();
        return Options.RetryPeriod;
    }

    /// <summary>A fresh backoff of the registry's reconnect options, for permanent failures.</summary>
    internal RetryBackoff CreateBackoff() => _options.Reconnect.CreateBackoff();

    /// <summary>Makes a failure safe to log: bounded, printable, secrets scrubbed.</summary>
    internal static string Describe(Exception ex) => Registry.Adapters.Backends.SecretScrubber.ScrubPrintable(ex.Message, 300);

    internal static string Hex(long lease) => lease.ToString("x", CultureInfo.InvariantCulture);

    internal static ByteString Bytes(string text) => ByteString.CopyFromUtf8(text);

    private static TaskCompletionSource<EtcdElectionSession> NewSessionSource() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    private void EnsureSessions()
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed.IsCancellationRequested, this);
            _sessions ??= Task.Run(() => RunSessionsAsync(_disposed.Token), CancellationToken.None);
        }
    }

    private async Task CloseAsync(bool revoke)
    {
        EtcdSyncCandidate[] candidates;
        lock (_gate)
        {
            candidates = [.. _candidates.Values];
        }

        // Every candidate stops leading first; no key is deleted one by one, the revoke deletes them all in one request.
        foreach (var candidate in candidates)
        {
            await candidate.StopAsync(release: false, CancellationToken.None).ConfigureAwait(false);
        }

        Task? sessions;
        EtcdElectionSession? session;
        lock (_gate)
        {
            sessions = _sessions;
            session = _session;
        }

        await _disposed.CancelAsync().ConfigureAwait(false);
        lock (_gate)
        {
            _nextSession.TrySetCanceled(_disposed.Token);
        }

        if (sessions is not null)
        {
            await sessions.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }

        await _connect.WaitAsync(CancellationToken.None).ConfigureAwait(false);
        try
        {
            if (revoke && session is { ExpiredAtEtcd: false } && _connection is { } connection)
            {
                await RevokeAsync(connection, session.Lease, CancellationToken.None).ConfigureAwait(false);
            }

            _connection?.Dispose();
            _connection = null;
        }
        finally
        {
            _connect.Release();
        }

        lock (_gate)
        {
            _session?.Dispose();
            _session = null;
        }

        foreach (var candidate in candidates)
        {
            candidate.Dispose();
        }
    }
}
