using System.Collections.Frozen;
using System.Globalization;
using Registry.Adapters.Serialization;

namespace Registry.Adapters.Etcd;

/// <summary>
/// The go-kratos registration format. Ports are named after their endpoint's scheme (<c>http</c>, <c>grpc</c>;
/// <c>http-2</c> for a second one), <c>version</c> becomes metadata, a <c>zone</c> metadata entry becomes the zone, and
/// a <c>health</c> metadata entry (written by this registrar when not healthy) becomes the health.
/// </summary>
internal static class EtcdKratosFormat
{
    private const string VersionKey = "version";
    private const string ZoneKey = "zone";
    private const string HealthKey = "health";

    public static (ServiceInstance? Instance, string? Error, string? Mismatch) FromJson(string service, string id, KratosInstanceJson json)
    {
        if (json.Endpoints is not { Count: > 0 })
        {
            return (null, "value has no endpoints, so no host", null);
        }

        string? host = null;
        var ports = new List<ServicePort>(json.Endpoints.Count);
        foreach (var endpoint in json.Endpoints)
        {
            if (endpoint is null || !Uri.TryCreate(endpoint, UriKind.Absolute, out var uri) || uri.IsDefaultPort && !endpoint.Contains(":" + uri.Port.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal))
            {
                return (null, $"endpoint '{ServiceInstanceValidator.Printable(endpoint, 64)}' is not scheme://host:port", null);
            }

            var endpointHost = uri.HostNameType == UriHostNameType.IPv6 ? uri.Host.Trim('[', ']') : uri.Host;
            host ??= endpointHost;
            if (!string.Equals(host, endpointHost, StringComparison.OrdinalIgnoreCase))
            {
                return (null, "endpoints name more than one host", null);
            }

            var secure = uri.Query.Contains("isSecure=true", StringComparison.OrdinalIgnoreCase);
            var scheme = uri.Scheme;
            var protocol = secure && scheme == "http" ? "https" : scheme;
            var name = scheme;
            for (var n = 2; ports.Exists(p => string.Equals(p.Name, name, StringComparison.OrdinalIgnoreCase)); n++)
            {
                name = $"{scheme}-{n.ToString(CultureInfo.InvariantCulture)}";
            }

            ports.Add(new ServicePort(name, uri.Port, protocol));
        }

        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, value) in json.Metadata ?? [])
        {
            if (value is null)
            {
                return (null, "value has a null metadata value", null);
            }

            metadata[key] = value;
        }

        if (!string.IsNullOrEmpty(json.Version))
        {
            metadata[VersionKey] = json.Version;
        }

        if (!InstanceJson.TryParseHealth(metadata.GetValueOrDefault(HealthKey), out var health))
        {
            health = HealthStatus.Unknown;
        }

        metadata.Remove(ZoneKey, out var zone);
        metadata.Remove(HealthKey);

        var instance = new ServiceInstance
        {
            Service = service,
            Id = id,
            Host = host!,
            Ports = ports,
            Health = health,
            Zone = zone,
            Metadata = metadata.ToFrozenDictionary(StringComparer.Ordinal),
        };
        var mismatch = EtcdRecordCodec.Mismatch("name", service, json.Name) ?? EtcdRecordCodec.Mismatch("id", id, json.Id);
        return (instance, null, mismatch);
    }

    public static KratosInstanceJson ToJson(ServiceInstance instance)
    {
        var metadata = instance.Metadata.Where(static p => p.Key != VersionKey).ToDictionary(StringComparer.Ordinal);
        if (instance.Zone is not null)
        {
            metadata[ZoneKey] = instance.Zone;
        }

        if (instance.Health != HealthStatus.Healthy)
        {
            metadata[HealthKey] = InstanceJson.HealthName(instance.Health);
        }
        else
        {
            metadata.Remove(HealthKey);
        }

        var host = instance.Host.Contains(':', StringComparison.Ordinal) ? $"[{instance.Host}]" : instance.Host;
        return new KratosInstanceJson
        {
            Id = instance.Id,
            Name = instance.Service,
            Version = instance.Metadata.GetValueOrDefault(VersionKey) ?? string.Empty,
            Metadata = metadata,
            Endpoints = [.. instance.Ports.Select(p => Endpoint(p, host))],
        };
    }

    private static string Endpoint(ServicePort port, string host)
    {
        var secure = port.Protocol is "https";
        var scheme = secure ? "http" : port.Protocol is "http" or "grpc" ? port.Protocol : port.Name.Split('-')[0];
        return $"{scheme}://{host}:{port.Port.ToString(CultureInfo.InvariantCulture)}?isSecure={(secure ? "true" : "false")}";
    }
}
