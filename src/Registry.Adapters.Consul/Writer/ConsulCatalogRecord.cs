using System.Collections.Frozen;
using System.Diagnostics.CodeAnalysis;
using Registry.Adapters.Consul.Client;

namespace Registry.Adapters.Consul;

/// <summary>
/// One mirrored instance as the catalog stores it on the sync's node: the service (id <c>{service}:{id}</c>, the
/// address, one port, tags plus <c>mesh-sync</c>, meta within Consul's rules carrying the ownership markers and
/// <c>external-source=mesh-sync</c>) and its catalog checks (the mapped health; draining adds a maintenance check).
/// </summary>
internal sealed record ConsulCatalogRecord(ConsulTxnService Service, IReadOnlyList<ConsulTxnCheck> Checks)
{
    /// <summary>The tag and <c>external-source</c> value every mirrored record carries.</summary>
    public const string Marker = "mesh-sync";

    /// <summary>The service meta key naming the system that wrote a record (as consul-k8s and consul-esm use it).</summary>
    public const string ExternalSourceKey = "external-source";

    private const int MaxMetaPairs = 64;
    private const int MaxMetaKeyLength = 128;
    private const int MaxMetaValueLength = 512;
    private const string MaintenancePrefix = "_service_maintenance:";

    /// <summary>The check carrying the mapped health.</summary>
    public static string HealthCheckId(string serviceId) => Marker + ":" + serviceId;

    /// <summary>The maintenance check of a draining instance.</summary>
    public static string MaintenanceCheckId(string serviceId) => MaintenancePrefix + serviceId;

    /// <summary>Builds the record of a marked, valid instance.</summary>
    public static ConsulCatalogRecord From(ServiceInstance instance, ConsulSettings settings, string node)
    {
        var serviceId = ConsulMapper.MirroredServiceId(instance.Service, instance.Id);
        var port = instance.GetPort(settings.PortName) ?? (instance.Ports.Count > 0 ? instance.Ports[0] : null);
        var meta = new Dictionary<string, string>(StringComparer.Ordinal);
        Add(meta, SyncMetadata.SyncIdKey, SyncMetadata.GetSyncId(instance));
        Add(meta, SyncMetadata.OriginKey, SyncMetadata.GetOrigin(instance));
        Add(meta, ExternalSourceKey, Marker);
        if (port is not null)
        {
            var protocol = port.Protocol;
            Add(meta, settings.ProtocolMetaKey, ServiceInstanceValidator.ValidateServiceName(protocol) is null && protocol.Length <= 32 ? protocol.ToLowerInvariant() : settings.DefaultProtocol);
        }

        Add(meta, settings.ZoneMetaKey, instance.Zone);
        foreach (var (key, value) in instance.Metadata.OrderBy(static p => p.Key, StringComparer.Ordinal))
        {
            if (!meta.ContainsKey(key))
            {
                Add(meta, key, value);
            }
        }

        List<string> tags = [.. instance.Tags];
        if (!tags.Contains(Marker, StringComparer.Ordinal))
        {
            tags.Add(Marker);
        }

        var service = new ConsulTxnService
        {
            ID = serviceId,
            Service = instance.Service,
            Address = instance.Host,
            Port = port?.Port ?? 0,
            Tags = tags,
            Meta = meta,
            Weights = new ConsulWeights { Passing = 1, Warning = 1 },
            Namespace = settings.Namespace,
            Partition = settings.Partition,
        };
        var origin = SyncMetadata.GetOrigin(instance) ?? "?";
        List<ConsulTxnCheck> checks =
        [
            new()
            {
                Node = node,
                CheckID = HealthCheckId(serviceId),
                Name = "mesh-sync mirrored health",
                Status = instance.Health switch
                {
                    HealthStatus.Healthy => "passing",
                    HealthStatus.Unknown => "warning",
                    _ => "critical",
                },
                Output = $"{instance.Health.ToString().ToLowerInvariant()} in {origin}",
                ServiceID = serviceId,
                Namespace = settings.Namespace,
                Partition = settings.Partition,
            },
        ];
        if (instance.Health == HealthStatus.Draining)
        {
            checks.Add(new ConsulTxnCheck
            {
                Node = node,
                CheckID = MaintenanceCheckId(serviceId),
                Name = "Service Maintenance Mode",
                Status = "critical",
                Notes = $"draining in {origin}",
                ServiceID = serviceId,
                Namespace = settings.Namespace,
                Partition = settings.Partition,
            });
        }

        return new ConsulCatalogRecord(service, checks);
    }

    /// <summary>The instance as the registry reads this record back (through its own mapper), without the per-read <c>consul.*</c> metadata.</summary>
    public bool TryRead(ConsulMapper mapper, string node, [NotNullWhen(true)] out ServiceInstance? stored, [NotNullWhen(false)] out string? reason)
    {
        var entry = new ConsulServiceEntry
        {
            Node = new ConsulNode { Node = node },
            Service = new ConsulAgentService
            {
                ID = Service.ID,
                Service = Service.Service,
                Tags = Service.Tags,
                Address = Service.Address,
                Meta = Service.Meta,
                Port = Service.Port,
                Weights = Service.Weights,
                Namespace = Service.Namespace,
                Partition = Service.Partition,
            },
            Checks = [.. Checks.Select(static c => new ConsulHealthCheck { CheckID = c.CheckID, Status = c.Status, ServiceID = c.ServiceID })],
        };
        return TryRead(mapper, Service.Service!, entry, out stored, out reason);
    }

    /// <summary>Maps a catalog entry through the registry's mapper and drops the metadata the reader derives per read.</summary>
    public static bool TryRead(ConsulMapper mapper, string service, ConsulServiceEntry entry, [NotNullWhen(true)] out ServiceInstance? stored, [NotNullWhen(false)] out string? reason)
    {
        var (instance, error) = mapper.MapEntry(service, entry);
        stored = null;
        if (instance is null)
        {
            reason = error ?? "the registry's TagFilter or IncludeProxies setting would hide the record";
            return false;
        }

        stored = instance with
        {
            Metadata = instance.Metadata.Where(static p => !p.Key.StartsWith("consul.", StringComparison.Ordinal)).ToFrozenDictionary(StringComparer.Ordinal),
        };
        reason = null;
        return true;
    }

    /// <summary>Whether Consul accepts the key as service meta (letters, digits, <c>-</c>, <c>_</c>; at most 128; not <c>consul-</c>).</summary>
    public static bool IsValidMetaKey(string? key)
    {
        if (string.IsNullOrEmpty(key) || key.Length > MaxMetaKeyLength || key.StartsWith("consul-", StringComparison.Ordinal))
        {
            return false;
        }

        foreach (var c in key)
        {
            if (c is not ((>= 'a' and <= 'z') or (>= 'A' and <= 'Z') or (>= '0' and <= '9') or '-' or '_'))
            {
                return false;
            }
        }

        return true;
    }

    private static void Add(Dictionary<string, string> meta, string key, string? value)
    {
        if (value is not null && meta.Count < MaxMetaPairs && value.Length <= MaxMetaValueLength && IsValidMetaKey(key))
        {
            meta[key] = value;
        }
    }
}
