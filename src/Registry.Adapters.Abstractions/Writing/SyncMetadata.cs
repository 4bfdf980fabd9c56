using System.Collections.ObjectModel;

namespace Registry.Adapters;

/// <summary>
/// The ownership markers a sync writes on every mirrored record, and helpers to read them. Every backend reads them
/// back in <see cref="ServiceInstance.Metadata"/> under the same keys (Consul service meta, Eureka instance metadata,
/// etcd value metadata, Kubernetes labels mapped back).
/// </summary>
public static class SyncMetadata
{
    /// <summary>The metadata key of the sync id that wrote the record.</summary>
    public const string SyncIdKey = "mesh-sync-id";

    /// <summary>The metadata key of the registry the record was mirrored from.</summary>
    public const string OriginKey = "mesh-sync-origin";

    /// <summary>The default sync id.</summary>
    public const string DefaultSyncId = "mesh-sync";

    /// <summary>The longest sync id (a DNS label).</summary>
    public const int MaxSyncIdLength = 63;

    /// <summary>Whether the instance was written by some sync (it carries <see cref="SyncIdKey"/>).</summary>
    /// <param name="instance">The instance.</param>
    /// <returns><see langword="true"/> for a mirrored record.</returns>
    public static bool IsMirrored(ServiceInstance instance)
    {
        ArgumentNullException.ThrowIfNull(instance);
        return instance.Metadata.ContainsKey(SyncIdKey);
    }

    /// <summary>The sync id that wrote the instance, or <see langword="null"/> for a record no sync wrote.</summary>
    /// <param name="instance">The instance.</param>
    /// <returns>The sync id.</returns>
    public static string? GetSyncId(ServiceInstance instance)
    {
        ArgumentNullException.ThrowIfNull(instance);
        return instance.Metadata.TryGetValue(SyncIdKey, out var id) ? id : null;
    }

    /// <summary>The registry the instance was mirrored from, or <see langword="null"/>.</summary>
    /// <param name="instance">The instance.</param>
    /// <returns>The origin registry name.</returns>
    public static string? GetOrigin(ServiceInstance instance)
    {
        ArgumentNullException.ThrowIfNull(instance);
        return instance.Metadata.TryGetValue(OriginKey, out var origin) ? origin : null;
    }

    /// <summary>Whether <paramref name="syncId"/> owns the instance.</summary>
    /// <param name="instance">The instance.</param>
    /// <param name="syncId">The sync id.</param>
    /// <returns><see langword="true"/> when the instance carries exactly this sync id.</returns>
    public static bool IsOwnedBy(ServiceInstance instance, string syncId) =>
        string.Equals(GetSyncId(instance), syncId, StringComparison.Ordinal);

    /// <summary>Returns the instance with the two markers set (other metadata kept).</summary>
    /// <param name="instance">The instance.</param>
    /// <param name="syncId">The sync id.</param>
    /// <param name="origin">The registry it comes from.</param>
    /// <returns>The marked instance.</returns>
    public static ServiceInstance Mark(ServiceInstance instance, string syncId, string origin)
    {
        ArgumentNullException.ThrowIfNull(instance);
        ArgumentException.ThrowIfNullOrEmpty(syncId);
        ArgumentException.ThrowIfNullOrEmpty(origin);
        var metadata = new Dictionary<string, string>(instance.Metadata, StringComparer.Ordinal)
        {
            [SyncIdKey] = syncId,
            [OriginKey] = origin,
        };
        // Read-only over a dictionary nobody else holds: as unchangeable as a frozen one, without the cost of freezing
        // one per instance (a marked instance is normalized next, which builds the metadata it stores anyway).
        return instance with { Metadata = new ReadOnlyDictionary<string, string>(metadata) };
    }

    /// <summary>Checks a sync id: a DNS label (1 to 63 lower-case letters, digits and <c>-</c>, starting and ending with a letter or digit).</summary>
    /// <param name="syncId">The sync id.</param>
    /// <returns><see langword="null"/> when valid, else why not.</returns>
    public static string? ValidateSyncId(string? syncId)
    {
        if (string.IsNullOrEmpty(syncId))
        {
            return "sync id is missing";
        }

        if (syncId.Length > MaxSyncIdLength)
        {
            return $"sync id '{ServiceInstanceValidator.Printable(syncId)}' is longer than {MaxSyncIdLength} characters";
        }

        foreach (var c in syncId)
        {
            if (c is not ((>= 'a' and <= 'z') or (>= '0' and <= '9') or '-'))
            {
                return $"sync id '{ServiceInstanceValidator.Printable(syncId)}' is not a DNS label (use lower-case letters, digits and '-')";
            }
        }

        return syncId[0] == '-' || syncId[^1] == '-'
            ? $"sync id '{ServiceInstanceValidator.Printable(syncId)}' starts or ends with '-'"
            : null;
    }
}
