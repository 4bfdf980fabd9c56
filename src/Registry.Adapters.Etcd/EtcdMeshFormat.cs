using System.Collections.Frozen;
using System.Collections.ObjectModel;

namespace Registry.Adapters.Etcd;

/// <summary>The <see cref="EtcdKeyFormat.Mesh"/> value format.</summary>
internal static class EtcdMeshFormat
{
    public static (ServiceInstance? Instance, string? Error, string? Mismatch) FromJson(string service, string id, MeshInstanceJson json)
    {
        if (json.Host is null)
        {
            return (null, "value has no 'host'", null);
        }

        if (!TryParseHealth(json.Health, out var health))
        {
            return (null, $"value has an unknown health '{ServiceInstanceValidator.Printable(json.Health, 32)}' (use healthy, unhealthy, starting, draining or unknown)", null);
        }

        var ports = json.Ports is { Count: > 0 } list ? new ServicePort[list.Count] : [];
        for (var i = 0; i < ports.Length; i++)
        {
            if (json.Ports![i] is not { } port)
            {
                return (null, "value has a null port", null);
            }

            ports[i] = new ServicePort(port.Name ?? string.Empty, port.Port, port.Protocol ?? "tcp");
        }

        if (json.Tags?.Any(static t => t is null) == true || json.Metadata?.Values.Any(static v => v is null) == true)
        {
            return (null, "value has a null tag or metadata value", null);
        }

        var instance = new ServiceInstance
        {
            Service = service,
            Id = id,
            Host = json.Host,
            Ports = ports,
            Health = health,
            Zone = json.Zone,
            Tags = json.Tags is { Count: > 0 } tags ? [.. tags] : [],
            // The dictionary was deserialized for this record alone: wrap it rather than copy it.
            Metadata = json.Metadata is { Count: > 0 } metadata
                ? new ReadOnlyDictionary<string, string>(metadata)
                : FrozenDictionary<string, string>.Empty,
        };
        var mismatch = EtcdRecordCodec.Mismatch("service", service, json.Service) ?? EtcdRecordCodec.Mismatch("id", id, json.Id);
        return (instance, null, mismatch);
    }

    public static MeshInstanceJson ToJson(ServiceInstance instance) => new()
    {
        Service = instance.Service,
        Id = instance.Id,
        Host = instance.Host,
        Ports = [.. instance.Ports.Select(static p => new MeshPortJson { Name = p.Name, Port = p.Port, Protocol = p.Protocol })],
        Health = HealthText(instance.Health),
        Zone = instance.Zone,
        Tags = instance.Tags.Count == 0 ? null : [.. instance.Tags],
        Metadata = instance.Metadata.Count == 0 ? null : instance.Metadata.ToDictionary(StringComparer.Ordinal),
    };

    public static string HealthText(HealthStatus health) => health switch
    {
        HealthStatus.Healthy => "healthy",
        HealthStatus.Unhealthy => "unhealthy",
        HealthStatus.Starting => "starting",
        HealthStatus.Draining => "draining",
        _ => "unknown",
    };

    public static bool TryParseHealth(string? text, out HealthStatus health)
    {
        health = HealthStatus.Healthy;
        if (string.IsNullOrEmpty(text))
        {
            return true;
        }

        foreach (var candidate in (ReadOnlySpan<HealthStatus>)[HealthStatus.Healthy, HealthStatus.Unhealthy, HealthStatus.Starting, HealthStatus.Draining, HealthStatus.Unknown])
        {
            if (string.Equals(text, HealthText(candidate), StringComparison.OrdinalIgnoreCase))
            {
                health = candidate;
                return true;
            }
        }

        return false;
    }
}
