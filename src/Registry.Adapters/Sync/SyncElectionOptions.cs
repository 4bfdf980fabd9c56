using System.Globalization;

namespace Registry.Adapters.Sync;

/// <summary>Leader election of the sync (<c>--leader-elect</c>, <c>Mesh:Sync:LeaderElection</c>): the store, the election name and the timings.</summary>
public sealed class SyncElectionOptions
{
    /// <summary>The store: <c>none</c>, <c>etcd</c>, <c>consul</c> or <c>kubernetes</c>. <value>The default value is <c>none</c>: every replica writes.</value></summary>
    public string Kind { get; set; } = "none";

    /// <summary>The configured registry whose connection holds the election. <value>The default value is <see langword="null"/>: the only registry of <see cref="Kind"/>.</value></summary>
    public string? Registry { get; set; }

    /// <summary>The election name (an etcd key prefix under <c>/mesh-sync/election/</c>, a Consul KV key under <c>mesh-sync/election/</c>, a Lease name). <value>The default value is <see langword="null"/>: the sync id.</value></summary>
    public string? Name { get; set; }

    /// <summary>The Kubernetes namespace of the Leases. <value>The default value is <see langword="null"/>: the pod's namespace, else <c>default</c>.</value></summary>
    public string? Namespace { get; set; }

    /// <summary>This replica's identity. <value>The default value is <see langword="null"/>: the pod name (<c>POD_NAME</c>, <c>HOSTNAME</c>) or host name, with the process id.</value></summary>
    public string? Identity { get; set; }

    /// <summary>How long leadership lasts without renewal (the etcd lease TTL, the Consul session TTL, the Lease duration). <value>The default value is 15 seconds.</value></summary>
    public TimeSpan LeaseDuration { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>A leader that could not renew for this long stops writing, before its lease can expire. <value>The default value is 10 seconds.</value></summary>
    public TimeSpan RenewDeadline { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How often a standby tries again and a leader renews. <value>The default value is 2 seconds.</value></summary>
    public TimeSpan RetryPeriod { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>The election of one shard: <paramref name="name"/> itself with one shard, else <c>{name}-{shard}</c>.</summary>
    /// <param name="name">The election name.</param>
    /// <param name="shard">The shard, from 0.</param>
    /// <param name="shards">The number of shards.</param>
    /// <returns>The election name of the shard.</returns>
    public static string ElectionName(string name, int shard, int shards) =>
        shards <= 1 ? name : string.Create(CultureInfo.InvariantCulture, $"{name}-{shard}");

    /// <summary>
    /// The identity a replica campaigns with when <see cref="Identity"/> is not set, the same for every store: the pod name
    /// (<c>POD_NAME</c>, then <c>HOSTNAME</c>) or the host name, then <c>-</c> and the process id; a <c>/</c>, space or
    /// control character becomes <c>-</c> (it names etcd keys, Consul KV keys and Lease holders) and the name is cut to 100 characters.
    /// </summary>
    /// <returns>The identity, such as <c>mesh-sync-7d9f-x2k4q-1</c>.</returns>
    public static string DefaultIdentity() =>
        IdentityFrom(Environment.GetEnvironmentVariable("POD_NAME"), Environment.GetEnvironmentVariable("HOSTNAME"), Environment.MachineName, Environment.ProcessId);

    internal static string IdentityFrom(string? podName, string? hostName, string machineName, int processId)
    {
        var host = !string.IsNullOrWhiteSpace(podName) ? podName : !string.IsNullOrWhiteSpace(hostName) ? hostName : machineName;
        var safe = new string([.. host.Trim().Take(100).Select(static c => c == '/' || char.IsWhiteSpace(c) || char.IsControl(c) ? '-' : c)]);
        return string.Create(CultureInfo.InvariantCulture, $"{safe}-{processId}");
    }

    /// <summary>Checks the options.</summary>
    /// <param name="prefix">The setting path for messages.</param>
    /// <returns>What is wrong, with the fix; empty when valid.</returns>
    public IReadOnlyList<string> Validate(string prefix = "Mesh:Sync:LeaderElection")
    {
        var errors = new List<string>();
        if (Kind is not ("none" or "etcd" or "consul" or "kubernetes"))
        {
            errors.Add($"{prefix}:Kind '{ServiceInstanceValidator.Printable(Kind)}' is not one of none, etcd, consul, kubernetes.");
        }

        if (Name is not null && SyncMetadata.ValidateSyncId(Name) is { } nameError)
        {
            errors.Add($"{prefix}:Name: {nameError}.");
        }

        if (LeaseDuration < TimeSpan.FromSeconds(2))
        {
            errors.Add($"{prefix}:LeaseDuration must be at least 2 seconds.");
        }

        if (RenewDeadline <= TimeSpan.Zero || RenewDeadline >= LeaseDuration)
        {
            errors.Add($"{prefix}:RenewDeadline must be more than 0 and less than LeaseDuration.");
        }

        if (RetryPeriod <= TimeSpan.Zero || RetryPeriod >= RenewDeadline)
        {
            errors.Add($"{prefix}:RetryPeriod must be more than 0 and less than RenewDeadline.");
        }

        return errors;
    }
}
