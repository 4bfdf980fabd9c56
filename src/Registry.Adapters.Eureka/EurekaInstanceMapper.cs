using System.Collections.Frozen;
using System.Globalization;
using Registry.Adapters.Eureka.Wire;

namespace Registry.Adapters.Eureka;

/// <summary>One wire instance after mapping: its Eureka status (for the hash code), and the catalog instances or why it was skipped.</summary>
/// <param name="Id">The instance id (the delta key).</param>
/// <param name="Status">The status as Eureka's enum names it (unknown strings are <c>UNKNOWN</c>, absent is <c>UP</c>).</param>
/// <param name="Instances">One catalog instance per service the instance belongs to (several with comma-separated VIPs); empty when skipped.</param>
/// <param name="Skip">The skip report, when the instance is invalid.</param>
internal sealed record MappedInstance(string Id, EurekaStatus Status, ServiceInstance[] Instances, SkippedRecord? Skip);

/// <summary>Eureka's <c>InstanceStatus</c>, declared in the alphabetical order the apps hash code uses.</summary>
internal enum EurekaStatus
{
    Down = 0,
    OutOfService = 1,
    Starting = 2,
    Unknown = 3,
    Up = 4,
}

/// <summary>Maps Eureka's <c>InstanceInfo</c> to <see cref="ServiceInstance"/> per DESIGN.md.</summary>
internal sealed class EurekaInstanceMapper(EurekaRegistryOptions options)
{
    /// <summary>The status names in hash-code (alphabetical) order.</summary>
    public static readonly string[] StatusNames = ["DOWN", "OUT_OF_SERVICE", "STARTING", "UNKNOWN", "UP"];

    /// <summary>Eureka's <c>InstanceStatus.toEnum</c>: case-insensitive, unknown strings are UNKNOWN; an absent status is UP (the InstanceInfo default).</summary>
    public static EurekaStatus ParseStatus(string? status)
    {
        if (status is null)
        {
            return EurekaStatus.Up;
        }

        for (var i = 0; i < StatusNames.Length; i++)
        {
            if (string.Equals(status, StatusNames[i], StringComparison.OrdinalIgnoreCase))
            {
                return (EurekaStatus)i;
            }
        }

        return EurekaStatus.Unknown;
    }

    /// <summary>The Eureka wire name of a status.</summary>
    public static string StatusName(EurekaStatus status) => StatusNames[(int)status];

    /// <summary>Maps health per DESIGN.md: <c>overriddenstatus</c> when not UNKNOWN, else <c>status</c>.</summary>
    public static HealthStatus MapHealth(string? status, string? overriddenStatus)
    {
        var effective = overriddenStatus is not null && ParseStatus(overriddenStatus) != EurekaStatus.Unknown
            ? ParseStatus(overriddenStatus)
            : ParseStatus(status);
        return effective switch
        {
            EurekaStatus.Up => HealthStatus.Healthy,
            EurekaStatus.Down => HealthStatus.Unhealthy,
            EurekaStatus.Starting => HealthStatus.Starting,
            EurekaStatus.OutOfService => HealthStatus.Draining,
            _ => HealthStatus.Unknown,
        };
    }

    /// <summary>The instance id: <c>instanceId</c>, else the Amazon <c>instance-id</c>, else <c>hostName:app:port</c>.</summary>
    public static string? InstanceId(JsonInstance instance, string? appName)
    {
        if (!string.IsNullOrEmpty(instance.InstanceId))
        {
            return instance.InstanceId;
        }

        if (instance.DataCenterInfo?.Metadata is { } amazon && amazon.TryGetValue("instance-id", out var amazonId) && !string.IsNullOrEmpty(amazonId))
        {
            return amazonId;
        }

        if (string.IsNullOrEmpty(instance.HostName))
        {
            return null;
        }

        var port = instance.Port?.Value is { } p ? p.ToString(CultureInfo.InvariantCulture) : "0";
        return $"{instance.HostName}:{instance.App ?? appName}:{port}";
    }

    /// <summary>Maps one wire instance of application <paramref name="appName"/>.</summary>
    public MappedInstance Map(string? appName, JsonInstance instance)
    {
        var id = InstanceId(instance, appName);
        var status = ParseStatus(instance.Status);
        if (id is null)
        {
            return Skipped(string.Empty, status, Key(appName, instance.HostName), "instance has neither instanceId nor hostName");
        }

        var host = options.PreferIpAddress
            ? (string.IsNullOrEmpty(instance.IpAddr) ? instance.HostName : instance.IpAddr)
            : (string.IsNullOrEmpty(instance.HostName) ? instance.IpAddr : instance.HostName);

        if ((PortError(instance.Port, "port") ?? PortError(instance.SecurePort, "securePort")) is { } portError)
        {
            return Skipped(id, status, Key(appName, id), portError);
        }

        var ports = new List<ServicePort>(2);
        if (instance.Port is { Value: { } http } && instance.Port.Enabled != false)
        {
            ports.Add(new ServicePort("http", http, "http"));
        }

        if (instance.SecurePort is { Value: { } https, Enabled: true })
        {
            ports.Add(new ServicePort("https", https, "https"));
        }

        var metadata = BuildMetadata(instance);
        var zone = metadata.TryGetValue(options.ZoneMetadataKey, out var z) && !string.IsNullOrEmpty(z)
            ? z
            : instance.DataCenterInfo?.Metadata?.GetValueOrDefault("availability-zone");
        var services = options.UseVipAddress ? SplitVips(instance.VipAddress) : (appName is null ? [] : [appName]);
        if (services.Length == 0)
        {
            return Skipped(id, status, Key(appName, id), options.UseVipAddress ? "instance has no vipAddress" : "application has no name");
        }

        var health = MapHealth(instance.Status, instance.EffectiveOverriddenStatus);
        var result = new ServiceInstance[services.Length];
        for (var i = 0; i < services.Length; i++)
        {
            var mapped = new ServiceInstance
            {
                Service = services[i],
                Id = id,
                Host = host ?? string.Empty,
                Ports = ports,
                Health = health,
                Zone = string.IsNullOrEmpty(zone) ? null : zone,
                Metadata = metadata,
            };
            if (ServiceInstanceValidator.Validate(mapped) is { } error)
            {
                return Skipped(id, status, Key(appName, id), error);
            }

            result[i] = mapped;
        }

        return new MappedInstance(id, status, result, null);
    }

    private static string Key(string? appName, string? id) =>
        $"{ServiceInstanceValidator.Printable(appName, 100)}/{ServiceInstanceValidator.Printable(id, 100)}";

    private static MappedInstance Skipped(string id, EurekaStatus status, string key, string reason) =>
        new(id, status, [], new SkippedRecord(key, reason));

    private static string? PortError(JsonPort? port, string what) =>
        port?.Malformed is { } raw ? $"{what} '{ServiceInstanceValidator.Printable(raw, 40)}' is not a port number" : null;

    private static string[] SplitVips(string? vips) =>
        string.IsNullOrWhiteSpace(vips) ? [] : vips.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    private static IReadOnlyDictionary<string, string> BuildMetadata(JsonInstance instance)
    {
        // The parsed map belongs to this payload alone, so it is completed in place rather than copied.
        var metadata = instance.Metadata ?? new Dictionary<string, string>(3, StringComparer.Ordinal);

        // Eureka's own addressing fields, kept where the instance's metadata does not already use the key.
        AddIfAbsent(metadata, "vipAddress", instance.VipAddress);
        AddIfAbsent(metadata, "secureVipAddress", instance.SecureVipAddress);
        AddIfAbsent(metadata, "homePageUrl", instance.HomePageUrl);
        return metadata.Count == 0 ? FrozenDictionary<string, string>.Empty : metadata;
    }

    private static void AddIfAbsent(Dictionary<string, string> metadata, string key, string? value)
    {
        if (!string.IsNullOrEmpty(value))
        {
            metadata.TryAdd(key, value);
        }
    }
}
