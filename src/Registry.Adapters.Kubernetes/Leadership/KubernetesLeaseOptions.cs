namespace Registry.Adapters.Kubernetes.Leadership;

/// <summary>Leader election on a <c>coordination.k8s.io/v1</c> Lease (KubernetesClient's <c>LeaderElector</c>).</summary>
public sealed class KubernetesLeaseOptions
{
    /// <summary>The namespace of the Lease. <value>The default value is <c>default</c>.</value></summary>
    public string Namespace { get; set; } = "default";

    /// <summary>The Lease name (with <c>--shards</c>, one Lease per shard: <see cref="KubernetesLeaseLeadership.LeaseNameFor"/>). <value>The default value is <c>mesh-sync</c>.</value></summary>
    public string LeaseName { get; set; } = "mesh-sync";

    /// <summary>This replica's identity in the Lease. <value>The default value is the <c>HOSTNAME</c> environment variable (the pod name in a cluster), else the machine name.</value></summary>
    public string Identity { get; set; } = Environment.GetEnvironmentVariable("HOSTNAME") is { Length: > 0 } host ? host : Environment.MachineName;

    /// <summary>How long a Lease stays valid without renewal; a standby takes over after it. <value>The default value is 15 seconds.</value></summary>
    public TimeSpan LeaseDuration { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>How long the leader keeps retrying a renewal before it stops leading (and writing). <value>The default value is 10 seconds.</value></summary>
    public TimeSpan RenewDeadline { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>The interval between acquire and renew attempts. <value>The default value is 2 seconds.</value></summary>
    public TimeSpan RetryPeriod { get; set; } = TimeSpan.FromSeconds(2);
}
