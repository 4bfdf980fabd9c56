using System.Globalization;
using k8s;
using k8s.Autorest;
using k8s.LeaderElection;
using k8s.LeaderElection.ResourceLock;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Registry.Adapters.Sync;

namespace Registry.Adapters.Kubernetes.Leadership;

/// <summary>
/// <c>--leader-elect kubernetes</c>: campaigns for a Lease with KubernetesClient's <see cref="LeaderElector"/> (get, create and
/// update of the Lease, the update conditional on its resourceVersion) and campaigns again after losing it. On dispose a
/// leader steps down by releasing the Lease (empty holder, 1 s duration, conditional on the resourceVersion it read), so a
/// standby takes over at its next retry rather than after the lease duration. The Lease gives no store-side fence for
/// writes into other systems: <see cref="Fence"/> is <see langword="null"/> and the sync checks <see cref="IsLeader"/> before each batch.
/// </summary>
public sealed partial class KubernetesLeaseLeadership : ISyncLeadership, IAsyncDisposable
{
    private readonly IKubernetes _client;
    private readonly KubernetesLeaseOptions _options;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stop = new();
    private readonly Lock _gate = new();
    private TaskCompletionSource _leading = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Task? _loop;
    private volatile bool _isLeader;
    private int _terms;

    /// <summary>Creates the election; call <see cref="Start"/> to campaign.</summary>
    /// <param name="client">The API client.</param>
    /// <param name="options">The Lease and timings.</param>
    /// <param name="logger">Logs leadership changes.</param>
    public KubernetesLeaseLeadership(IKubernetes client, KubernetesLeaseOptions options, ILogger<KubernetesLeaseLeadership>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrEmpty(options.Identity);
        _client = client;
        _options = options;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
    }

    /// <inheritdoc />
    public bool IsLeader => _isLeader;

    /// <inheritdoc />
    public WriteFence? Fence => null;

    /// <summary>How many times this replica became leader.</summary>
    public int Terms => Volatile.Read(ref _terms);

    /// <summary>Raised when this replica starts (<see langword="true"/>) or stops (<see langword="false"/>) leading.</summary>
    public event Action<bool>? LeadershipChanged;

    /// <summary>The Lease of one shard: the name itself with one shard, else <c>{name}-{shard}</c>.</summary>
    /// <param name="leaseName">The base Lease name.</param>
    /// <param name="shard">The shard, from 0.</param>
    /// <param name="shards">The number of shards.</param>
    /// <returns>The Lease name.</returns>
    public static string LeaseNameFor(string leaseName, int shard, int shards) =>
        shards <= 1 ? leaseName : string.Create(CultureInfo.InvariantCulture, $"{leaseName}-{shard}");

    /// <summary>Starts campaigning in the background.</summary>
    public void Start()
    {
        lock (_gate)
        {
            _loop ??= Task.Run(() => CampaignAsync(_stop.Token));
        }
    }

    /// <inheritdoc />
    public Task WaitForLeadershipAsync(CancellationToken cancellationToken = default)
    {
        Task task;
        lock (_gate)
        {
            task = _leading.Task;
        }

        return task.WaitAsync(cancellationToken);
    }

    private async Task CampaignAsync(CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            var leaseLock = new LeaseLock(_client, _options.Namespace, _options.LeaseName, _options.Identity);
            using var elector = new LeaderElector(new LeaderElectionConfig(leaseLock)
            {
                LeaseDuration = _options.LeaseDuration,
                RenewDeadline = _options.RenewDeadline,
                RetryPeriod = _options.RetryPeriod,
            });
            elector.OnStartedLeading += () => SetLeader(true);
            elector.OnStoppedLeading += () => SetLeader(false);
            elector.OnError += ex => Log.ElectionError(_logger, _options.LeaseName, ex.Message);
            try
            {
                await elector.RunUntilLeadershipLostAsync(stop).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is HttpOperationException or HttpRequestException or InvalidOperationException)
            {
                Log.ElectionError(_logger, _options.LeaseName, ex.Message);
                await Task.Delay(_options.RetryPeriod, stop).ConfigureAwait(false);
            }
        }
    }

    private void SetLeader(bool leading)
    {
        lock (_gate)
        {
            if (_isLeader == leading)
            {
                return;
            }

            _isLeader = leading;
            if (leading)
            {
                Interlocked.Increment(ref _terms);
                _leading.TrySetResult();
            }
            else
            {
                _leading = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            }
        }

        if (leading)
        {
            Log.StartedLeading(_logger, _options.LeaseName, _options.Identity);
        }
        else
        {
            Log.StoppedLeading(_logger, _options.LeaseName, _options.Identity);
        }

        LeadershipChanged?.Invoke(leading);
    }

    /// <summary>Stops campaigning; a leader releases the Lease.</summary>
    /// <returns>A task that completes when the election stopped.</returns>
    public async ValueTask DisposeAsync()
    {
        var wasLeader = _isLeader;
        await _stop.CancelAsync().ConfigureAwait(false);
        if (_loop is { } loop)
        {
            try
            {
                await loop.ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
            }
        }

        SetLeader(false);
        if (wasLeader)
        {
            await ReleaseAsync().ConfigureAwait(false);
        }

        _stop.Dispose();
    }

    private async Task ReleaseAsync()
    {
        using var timeout = new CancellationTokenSource(_options.RenewDeadline);
        try
        {
            var lease = await _client.CoordinationV1.ReadNamespacedLeaseAsync(_options.LeaseName, _options.Namespace, cancellationToken: timeout.Token).ConfigureAwait(false);
            if (lease.Spec is not { } spec || !string.Equals(spec.HolderIdentity, _options.Identity, StringComparison.Ordinal))
            {
                return;
            }

            // As client-go's release: no holder, a 1 s duration. LeaderElector treats an empty holder as free at once.
            spec.HolderIdentity = string.Empty;
            spec.LeaseDurationSeconds = 1;
            await _client.CoordinationV1.ReplaceNamespacedLeaseAsync(lease, _options.LeaseName, _options.Namespace, cancellationToken: timeout.Token).ConfigureAwait(false);
            Log.Released(_logger, _options.LeaseName);
        }
        catch (Exception ex) when (ex is HttpOperationException or HttpRequestException or OperationCanceledException)
        {
            // A 409 means another replica took the Lease in between; otherwise it expires after its duration.
            Log.ReleaseFailed(_logger, _options.LeaseName, ex.Message);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 6301, Level = LogLevel.Information, Message = "Lease '{Lease}': {Identity} leads")]
        public static partial void StartedLeading(ILogger logger, string lease, string identity);

        [LoggerMessage(EventId = 6302, Level = LogLevel.Warning, Message = "Lease '{Lease}': {Identity} stopped leading")]
        public static partial void StoppedLeading(ILogger logger, string lease, string identity);

        [LoggerMessage(EventId = 6303, Level = LogLevel.Debug, Message = "Lease '{Lease}': election error: {Error}")]
        public static partial void ElectionError(ILogger logger, string lease, string error);

        [LoggerMessage(EventId = 6304, Level = LogLevel.Information, Message = "Lease '{Lease}' released")]
        public static partial void Released(ILogger logger, string lease);

        [LoggerMessage(EventId = 6305, Level = LogLevel.Warning, Message = "Lease '{Lease}' could not be released (it expires on its own): {Error}")]
        public static partial void ReleaseFailed(ILogger logger, string lease, string error);
    }
}
