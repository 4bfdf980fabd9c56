using System.Collections.Frozen;
using System.Globalization;
using k8s.Models;

namespace Registry.Adapters.Kubernetes;

/// <summary>One EndpointSlice mapped to instances: what the view caches per slice.</summary>
/// <param name="Key">The slice's <c>{namespace}/{name}</c>.</param>
/// <param name="SourceName">The service it belongs to (<c>{service}.{namespace}</c>), or <see langword="null"/> without the <c>kubernetes.io/service-name</c> label.</param>
/// <param name="Instances">Its valid instances, one per endpoint.</param>
/// <param name="Skipped">What was left out, and why.</param>
internal sealed record MappedSlice(string Key, string? SourceName, IReadOnlyList<ServiceInstance> Instances, IReadOnlyList<SkippedRecord> Skipped);

/// <summary>
/// Maps EndpointSlices (<c>discovery.k8s.io/v1</c>) to <see cref="ServiceInstance"/>s. One instance per endpoint, at
/// its first address (the API says addresses are fungible, and the controller emits exactly one); the id is the
/// target Pod's name, else the address. Health: <c>ready</c> (missing means true) is Healthy; else
/// <c>serving</c> (missing means true) and <c>terminating</c> is Draining; else Unhealthy.
/// </summary>
internal static class EndpointSliceMapper
{
    /// <summary>The label that ties a slice to its Service.</summary>
    public const string ServiceNameLabel = "kubernetes.io/service-name";

    public static string KeyOf(V1ObjectMeta? metadata) => $"{metadata?.NamespaceProperty}/{metadata?.Name}";

    /// <summary>The source service name of a slice, or <see langword="null"/> when it has no service-name label.</summary>
    public static string? SourceNameOf(V1EndpointSlice slice) =>
        slice.Metadata?.Labels is { } labels && labels.TryGetValue(ServiceNameLabel, out var service) && !string.IsNullOrEmpty(service)
            ? ServiceInfo.SourceNameOf(service, slice.Metadata.NamespaceProperty)
            : null;

    public static MappedSlice Map(V1EndpointSlice slice, ServiceInfo? service)
    {
        var key = KeyOf(slice.Metadata);
        var sourceName = SourceNameOf(slice);
        if (sourceName is null)
        {
            return new MappedSlice(key, null, [], []);
        }

        var skipped = new List<SkippedRecord>();
        var printableKey = ServiceInstanceValidator.Printable(key, 130);
        if (ServiceInstanceValidator.ValidateServiceName(sourceName) is { } nameError)
        {
            skipped.Add(new SkippedRecord($"endpointslices/{printableKey}", nameError));
            return new MappedSlice(key, null, [], skipped);
        }

        service ??= ServiceInfo.Unknown(sourceName);
        var ports = MapPorts(slice.Ports, $"endpointslices/{printableKey}", skipped);
        var endpoints = slice.Endpoints;
        if (endpoints is null || endpoints.Count == 0)
        {
            return new MappedSlice(key, sourceName, [], skipped);
        }

        // A slice the kubernetes target wrote is marked by its own labels, also before its Service is seen (and with the slice's single origin).
        Dictionary<string, string>? markers = [];
        markers = ServiceInfo.AddMarkers(markers, slice.Metadata?.Labels) ? markers : null;
        var markedByNode = markers is null ? null : new Dictionary<string, FrozenDictionary<string, string>>(StringComparer.Ordinal);
        var instances = new List<ServiceInstance>(endpoints.Count);
        for (var i = 0; i < endpoints.Count; i++)
        {
            var endpoint = endpoints[i];
            var address = endpoint?.Addresses is { Count: > 0 } addresses ? addresses[0] : null;
            if (endpoint is null || string.IsNullOrEmpty(address))
            {
                skipped.Add(new SkippedRecord($"endpointslices/{printableKey}/endpoints/{i.ToString(CultureInfo.InvariantCulture)}", "endpoint has no addresses"));
                continue;
            }

            var instance = new ServiceInstance
            {
                Service = sourceName,
                Id = endpoint.TargetRef?.Name is { Length: > 0 } pod ? pod : address,
                Host = address,
                Ports = ports,
                Health = HealthOf(endpoint.Conditions),
                Zone = string.IsNullOrEmpty(endpoint.Zone) ? null : endpoint.Zone,
                Metadata = markers is null ? service.MetadataFor(endpoint.NodeName) : MarkedFor(endpoint.NodeName ?? string.Empty),
            };
            if (ServiceInstanceValidator.Validate(instance) is { } error)
            {
                skipped.Add(new SkippedRecord($"endpointslices/{printableKey}/endpoints/{i.ToString(CultureInfo.InvariantCulture)}", error));
                continue;
            }

            instances.Add(instance);
        }

        return new MappedSlice(key, sourceName, instances, skipped);

        FrozenDictionary<string, string> MarkedFor(string node)
        {
            if (!markedByNode!.TryGetValue(node, out var marked))
            {
                marked = Marked(service.MetadataFor(node.Length == 0 ? null : node), markers!);
                markedByNode[node] = marked;
            }

            return marked;
        }
    }

    private static FrozenDictionary<string, string> Marked(IReadOnlyDictionary<string, string> metadata, Dictionary<string, string> markers)
    {
        var marked = new Dictionary<string, string>(metadata, StringComparer.Ordinal);
        foreach (var (key, value) in markers)
        {
            marked[key] = value;
        }

        return marked.ToFrozenDictionary(StringComparer.Ordinal);
    }

    /// <summary>DESIGN.md: <c>ready</c> (null means true) → Healthy; <c>serving &amp;&amp; terminating</c> → Draining (a missing <c>serving</c> means <c>ready</c>); else Unhealthy.</summary>
    public static HealthStatus HealthOf(V1EndpointConditions? conditions)
    {
        if (conditions?.Ready ?? true)
        {
            return HealthStatus.Healthy;
        }

        // The EndpointSlice API: a missing `serving` has the same meaning as `ready`.
        return (conditions.Serving ?? conditions.Ready ?? true) && (conditions.Terminating ?? false) ? HealthStatus.Draining : HealthStatus.Unhealthy;
    }

    public static IReadOnlyList<ServicePort> MapPorts(IList<Discoveryv1EndpointPort>? ports, string where, List<SkippedRecord> skipped)
    {
        if (ports is null || ports.Count == 0)
        {
            return [];
        }

        var result = new List<ServicePort>(ports.Count);
        foreach (var port in ports)
        {
            if (port?.Port is not { } number)
            {
                // A slice port without a number is "all ports" (non-Service slices): nothing to address.
                continue;
            }

            var mapped = MapPort(port.Name, number, port.Protocol, port.AppProtocol, where, skipped);
            if (mapped is not null && !result.Exists(p => string.Equals(p.Name, mapped.Name, StringComparison.OrdinalIgnoreCase)))
            {
                result.Add(mapped);
            }
        }

        return result;
    }

    /// <summary>Maps one port: the name (<c>port-{number}</c> when unnamed) and the protocol (see <see cref="ProtocolOf"/>).</summary>
    public static ServicePort? MapPort(string? name, int number, string? transport, string? appProtocol, string where, List<SkippedRecord> skipped)
    {
        var portName = string.IsNullOrEmpty(name) ? $"port-{number.ToString(CultureInfo.InvariantCulture)}" : name;
        var port = new ServicePort(portName, number, ProtocolOf(name, transport, appProtocol));
        if (ServiceInstanceValidator.ValidatePort(port) is { } error)
        {
            skipped.Add(new SkippedRecord($"{where}/ports/{ServiceInstanceValidator.Printable(portName, 64)}", error));
            return null;
        }

        return port;
    }

    /// <summary>
    /// The application protocol: <c>appProtocol</c> when set (<c>kubernetes.io/h2c</c> → <c>h2c</c>, a prefixed custom
    /// value → its last segment), else the port name's prefix (<c>http</c>, <c>https</c>, <c>grpc</c>, <c>http2</c>, exactly or
    /// followed by <c>-</c>), else the transport for UDP/SCTP, else <c>tcp</c>.
    /// </summary>
    public static string ProtocolOf(string? name, string? transport, string? appProtocol)
    {
        if (!string.IsNullOrWhiteSpace(appProtocol))
        {
            var slash = appProtocol.LastIndexOf('/');
            var value = slash >= 0 ? appProtocol[(slash + 1)..] : appProtocol;
            if (value.Length > 0)
            {
                return value.ToLowerInvariant();
            }
        }

        if (!string.IsNullOrEmpty(name))
        {
            foreach (var prefix in KnownPrefixes)
            {
                if (name.StartsWith(prefix, StringComparison.OrdinalIgnoreCase)
                    && (name.Length == prefix.Length || name[prefix.Length] == '-'))
                {
                    return prefix;
                }
            }
        }

        return transport switch
        {
            "UDP" => "udp",
            "SCTP" => "sctp",
            _ => "tcp",
        };
    }

    // Longest first, so that "https" and "http2" win over "http".
    private static readonly string[] KnownPrefixes = ["https", "http2", "http", "grpc-web", "grpc", "tcp", "tls", "udp"];
}
