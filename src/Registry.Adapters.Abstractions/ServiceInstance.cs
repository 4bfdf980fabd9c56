using System.Collections.Frozen;

namespace Registry.Adapters;

/// <summary>
/// One instance of a service as a registry reports it. Immutable; compares by value, including
/// its ports, tags and metadata, so that a registry can tell an unchanged record from a changed one.
/// </summary>
public sealed record ServiceInstance
{
    private static readonly IReadOnlyDictionary<string, string> EmptyMetadata = FrozenDictionary<string, string>.Empty;

    /// <summary>The service name as the source registry spells it.</summary>
    public required string Service { get; init; }

    /// <summary>The instance id, unique within its registry and service.</summary>
    public required string Id { get; init; }

    /// <summary>The host name or IP address that serves the instance.</summary>
    public required string Host { get; init; }

    /// <summary>The named ports of the instance.</summary>
    public IReadOnlyList<ServicePort> Ports { get; init; } = [];

    /// <summary>The mapped health of the instance.</summary>
    public HealthStatus Health { get; init; } = HealthStatus.Healthy;

    /// <summary>The availability zone, when the registry knows it.</summary>
    public string? Zone { get; init; }

    /// <summary>Tags of the instance, in the order the source gives them.</summary>
    public IReadOnlyList<string> Tags { get; init; } = [];

    /// <summary>Metadata of the instance.</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; init; } = EmptyMetadata;

    /// <summary>Finds a port by name (ordinal, case-insensitive).</summary>
    /// <param name="name">The port name.</param>
    /// <returns>The port, or <see langword="null"/> when the instance has no port of that name.</returns>
    public ServicePort? GetPort(string name)
    {
        foreach (var port in Ports)
        {
            if (string.Equals(port.Name, name, StringComparison.OrdinalIgnoreCase))
            {
                return port;
            }
        }

        return null;
    }

    /// <inheritdoc />
    public bool Equals(ServiceInstance? other)
    {
        if (ReferenceEquals(this, other))
        {
            return true;
        }

        return other is not null
            && string.Equals(Service, other.Service, StringComparison.Ordinal)
            && string.Equals(Id, other.Id, StringComparison.Ordinal)
            && string.Equals(Host, other.Host, StringComparison.Ordinal)
            && Health == other.Health
            && string.Equals(Zone, other.Zone, StringComparison.Ordinal)
            && Ports.SequenceEqual(other.Ports)
            && Tags.SequenceEqual(other.Tags, StringComparer.Ordinal)
            && MetadataEquals(Metadata, other.Metadata);
    }

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Service, Id, Host, Health, Ports.Count, Tags.Count, Metadata.Count);

    private static bool MetadataEquals(IReadOnlyDictionary<string, string> a, IReadOnlyDictionary<string, string> b)
    {
        if (ReferenceEquals(a, b))
        {
            return true;
        }

        if (a.Count != b.Count)
        {
            return false;
        }

        foreach (var (key, value) in a)
        {
            if (!b.TryGetValue(key, out var other) || !string.Equals(value, other, StringComparison.Ordinal))
            {
                return false;
            }
        }

        return true;
    }
}
