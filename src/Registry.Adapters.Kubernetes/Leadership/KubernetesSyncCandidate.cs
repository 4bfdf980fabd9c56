using Registry.Adapters.Sync;

namespace Registry.Adapters.Kubernetes.Leadership;

/// <summary>One election of <see cref="KubernetesSyncElection"/>: a Lease named after it, campaigned for by a <see cref="KubernetesLeaseLeadership"/> per start.</summary>
internal sealed class KubernetesSyncCandidate : ISyncCandidate
{
    private readonly KubernetesSyncElection _election;
    private readonly Lock _gate = new();
    private KubernetesLeaseLeadership? _current;
    private TaskCompletionSource _leading = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public KubernetesSyncCandidate(KubernetesSyncElection election, string name)
    {
        _election = election;
        Election = name;
    }

    public string Election { get; }

    public bool IsLeader
    {
        get
        {
            lock (_gate)
            {
                return _current?.IsLeader ?? false;
            }
        }
    }

    public WriteFence? Fence => null;

    public event Action<bool>? LeadershipChanged;

    public void Start()
    {
        lock (_gate)
        {
            if (_current is not null)
            {
                return;
            }

            _election.EnsureMember();
            var leadership = new KubernetesLeaseLeadership(
                _election.Client,
                new KubernetesLeaseOptions
                {
                    Namespace = _election.Namespace,
                    LeaseName = Election,
                    Identity = _election.Identity,
                    LeaseDuration = _election.Options.LeaseDuration,
                    RenewDeadline = _election.Options.RenewDeadline,
                    RetryPeriod = _election.Options.RetryPeriod,
                },
                Microsoft.Extensions.Logging.LoggerFactoryExtensions.CreateLogger<KubernetesLeaseLeadership>(_election.Loggers));
            leadership.LeadershipChanged += OnChanged;
            _current = leadership;
            leadership.Start();
        }
    }

    public Task WaitForLeadershipAsync(CancellationToken cancellationToken = default)
    {
        Task task;
        lock (_gate)
        {
            task = _leading.Task;
        }

        return task.WaitAsync(cancellationToken);
    }

    public async Task StopAsync(CancellationToken cancellationToken = default)
    {
        KubernetesLeaseLeadership? current;
        lock (_gate)
        {
            current = _current;
            _current = null;
        }

        if (current is not null)
        {
            // Dispose releases the Lease when it leads (empty holder), so another replica takes it at its next retry.
            await current.DisposeAsync().ConfigureAwait(false);
        }
    }

    private void OnChanged(bool leading)
    {
        lock (_gate)
        {
            if (leading)
            {
                _leading.TrySetResult();
            }
            else if (_leading.Task.IsCompleted)
            {
                _leading = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            }
        }

        LeadershipChanged?.Invoke(leading);
    }
}
