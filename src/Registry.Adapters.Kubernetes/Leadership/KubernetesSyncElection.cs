using System.Net;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Registry.Adapters.Kubernetes.Istio;
using Registry.Adapters.Sync;

namespace Registry.Adapters.Kubernetes.Leadership;

/// <summary>
/// <c>--leader-elect kubernetes</c>: each election (one per shard) is one <c>coordination.k8s.io/v1</c> Lease named after
/// it, campaigned for with <see cref="KubernetesLeaseLeadership"/> (KubernetesClient's <c>LeaderElector</c>; a stopping
/// leader releases its Lease, so a standby takes it at once). Each replica also keeps a member Lease
/// (<c>{name}-member-{hash of identity}</c>, labelled <see cref="ElectionLabel"/> = the election name), renewed every
/// <see cref="SyncElectionOptions.RetryPeriod"/>; <see cref="ListReplicasAsync"/> lists them by that label and returns the
/// holder identities of the ones renewed within the lease duration. Disposing stops every candidate and deletes the member Lease.
/// </summary>
internal sealed partial class KubernetesSyncElection : ISyncElection
{
    /// <summary>The label of member Leases: the election name they count for.</summary>
    public const string ElectionLabel = "registry-adapters.io/election";

    private readonly Func<IKubernetes> _client;
    private readonly TimeProvider _time;
    private readonly ILoggerFactory _loggers;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _disposed = new();
    private readonly Lock _gate = new();
    private readonly Dictionary<string, KubernetesSyncCandidate> _candidates = new(StringComparer.Ordinal);
    private Task? _member;

    public KubernetesSyncElection(Func<IKubernetes> client, SyncElectionOptions options, string defaultNamespace, TimeProvider time, ILoggerFactory? loggerFactory)
    {
        if (options.Validate() is { Count: > 0 } errors)
        {
            throw new ArgumentException(string.Join(" ", errors), nameof(options));
        }

        _client = client;
        _time = time;
        _loggers = loggerFactory ?? NullLoggerFactory.Instance;
        _logger = _loggers.CreateLogger("Registry.Adapters.Kubernetes.Leadership.KubernetesSyncElection");
        Options = options;
        Identity = options.Identity ?? SyncElectionOptions.DefaultIdentity();
        if (Identity.Length is 0 or > 128 || Identity.Any(static c => char.IsControl(c) || char.IsWhiteSpace(c)))
        {
            throw new ArgumentException($"Mesh:Sync:LeaderElection:Identity '{ServiceInstanceValidator.Printable(Identity)}' must have 1 to 128 characters without spaces or control characters.", nameof(options));
        }

        Namespace = options.Namespace ?? defaultNamespace;
        if (!KubernetesRegistryOptions.IsDnsLabel(Namespace))
        {
            throw new ArgumentException($"Mesh:Sync:LeaderElection:Namespace '{ServiceInstanceValidator.Printable(Namespace)}' is not a namespace name.", nameof(options));
        }

        Name = options.Name ?? SyncMetadata.DefaultSyncId;
        MemberLease = $"{Name}-member-{KubernetesNames.Hash(Identity)}";
    }

    public string Identity { get; }

    /// <summary>The namespace of the Leases.</summary>
    public string Namespace { get; }

    /// <summary>The election name the member Leases are grouped by.</summary>
    public string Name { get; }

    /// <summary>This replica's member Lease.</summary>
    public string MemberLease { get; }

    internal SyncElectionOptions Options { get; }

    internal IKubernetes Client => _client();

    internal ILoggerFactory Loggers => _loggers;

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
                candidate = new KubernetesSyncCandidate(this, election);
                _candidates[election] = candidate;
            }

            return candidate;
        }
    }

    public async Task<IReadOnlyList<string>> ListReplicasAsync(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed.IsCancellationRequested, this);
        EnsureMember();
        V1LeaseList list;
        try
        {
            list = await Client.CoordinationV1.ListNamespacedLeaseAsync(Namespace, labelSelector: $"{ElectionLabel}={Name}", cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (HttpOperationException ex)
        {
            throw new RegistryException($"listing the member Leases of election '{Name}' in namespace {Namespace} failed: HTTP {(int)ex.Response.StatusCode}", ex);
        }
        catch (HttpRequestException ex)
        {
            throw new RegistryException($"listing the member Leases of election '{Name}' in namespace {Namespace} failed: {ex.Message}", ex);
        }

        var now = _time.GetUtcNow().UtcDateTime;

        // This replica is one even before its member Lease is written.
        return [.. list.Items
            .Where(l => l.Spec?.RenewTime is { } renewed && renewed.ToUniversalTime().AddSeconds(l.Spec.LeaseDurationSeconds ?? 0) > now)
            .Select(static l => l.Spec.HolderIdentity)
            .OfType<string>()
            .Where(static id => id.Length > 0)
            .Append(Identity)
            .Distinct(StringComparer.Ordinal)
            .Order(StringComparer.Ordinal)];
    }

    public async ValueTask DisposeAsync()
    {
        KubernetesSyncCandidate[] candidates;
        lock (_gate)
        {
            if (_disposed.IsCancellationRequested)
            {
                return;
            }

            candidates = [.. _candidates.Values];
        }

        foreach (var candidate in candidates)
        {
            await candidate.StopAsync(CancellationToken.None).ConfigureAwait(false);
        }

        await _disposed.CancelAsync().ConfigureAwait(false);
        if (_member is { } member)
        {
            await member.ConfigureAwait(false);
            using var timeout = new CancellationTokenSource(Options.RenewDeadline);
            try
            {
                await Client.CoordinationV1.DeleteNamespacedLeaseAsync(MemberLease, Namespace, cancellationToken: timeout.Token).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is HttpOperationException or HttpRequestException or OperationCanceledException or RegistryException)
            {
                // It expires on its own: ListReplicasAsync lists only Leases renewed within the lease duration.
                Log.MemberFailed(_logger, MemberLease, ex.Message);
            }
        }

        _disposed.Dispose();
    }

    internal void EnsureMember()
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed.IsCancellationRequested, this);
            _member ??= Task.Run(() => KeepMemberAsync(_disposed.Token));
        }
    }

    private async Task KeepMemberAsync(CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            try
            {
                await RenewMemberAsync(stop).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is HttpOperationException or HttpRequestException or RegistryException)
            {
                Log.MemberFailed(_logger, MemberLease, ex.Message);
            }

            try
            {
                await Task.Delay(Options.RetryPeriod, _time, stop).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private async Task RenewMemberAsync(CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow().UtcDateTime;
        var seconds = (int)Math.Ceiling(Options.LeaseDuration.TotalSeconds);
        V1Lease? lease = null;
        try
        {
            lease = await Client.CoordinationV1.ReadNamespacedLeaseAsync(MemberLease, Namespace, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (HttpOperationException ex) when (ex.Response.StatusCode == HttpStatusCode.NotFound)
        {
        }

        if (lease is null)
        {
            await Client.CoordinationV1.CreateNamespacedLeaseAsync(new V1Lease
            {
                Metadata = new V1ObjectMeta
                {
                    Name = MemberLease,
                    NamespaceProperty = Namespace,
                    Labels = new Dictionary<string, string>
                    {
                        [ElectionLabel] = Name,
                        [KubernetesOwnership.ManagedByLabel] = KubernetesOwnership.ManagedByValue,
                    },
                },
                Spec = new V1LeaseSpec { HolderIdentity = Identity, LeaseDurationSeconds = seconds, AcquireTime = now, RenewTime = now },
            }, Namespace, cancellationToken: cancellationToken).ConfigureAwait(false);
            return;
        }

        lease.Spec ??= new V1LeaseSpec();
        lease.Spec.HolderIdentity = Identity;
        lease.Spec.LeaseDurationSeconds = seconds;
        lease.Spec.RenewTime = now;
        await Client.CoordinationV1.ReplaceNamespacedLeaseAsync(lease, MemberLease, Namespace, cancellationToken: cancellationToken).ConfigureAwait(false);
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 6310, Level = LogLevel.Debug, Message = "Member Lease '{Lease}' could not be written or removed: {Error}")]
        public static partial void MemberFailed(ILogger logger, string lease, string error);
    }
}
