using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using Registry.Adapters.Kubernetes.Istio;

namespace Registry.Adapters.Kubernetes.Writer;

/// <summary>
/// One mirrored service as Kubernetes objects: a selector-less <c>v1</c> Service and its <c>discovery.k8s.io/v1</c>
/// EndpointSlices, split as the EndpointSlice controller splits them (one set per address type and port set, at most
/// <see cref="MaxEndpointsPerSlice"/> endpoints each), one origin registry per slice. Pure: the same instances give the
/// same objects, so the writer can rebuild what it wrote from the instances an object records and compare.
/// </summary>
internal static class MirrorMapping
{
    /// <summary>The <c>endpointslice.kubernetes.io/managed-by</c> value of the slices this project writes (the controller's is <c>endpointslice-controller.k8s.io</c>).</summary>
    public const string ControllerName = "mesh-sync.registry-adapters.io";

    /// <summary>The label that names a slice's manager.</summary>
    public const string ManagedByLabel = "endpointslice.kubernetes.io/managed-by";

    /// <summary>The EndpointSlice controller's default <c>--max-endpoints-per-slice</c>.</summary>
    public const int MaxEndpointsPerSlice = 100;

    /// <summary>The longest Service name (a DNS-1035 label).</summary>
    private const int MaxServiceName = 63;

    /// <summary>The mirrored objects of one service.</summary>
    public sealed record Objects(JsonObject Service, IReadOnlyList<JsonObject> Slices);

    /// <summary>The Service name of a target service: the name itself when it is a DNS-1035 label, else a cleaned name with a hash of the original.</summary>
    public static string ServiceName(string service)
    {
        if (IsDns1035Label(service))
        {
            return service;
        }

        var cleaned = new string([.. service.ToLowerInvariant().Select(static c => c is (>= 'a' and <= 'z') or (>= '0' and <= '9') ? c : '-')]);
        cleaned = string.Join('-', cleaned.Split('-', StringSplitOptions.RemoveEmptyEntries));
        if (cleaned.Length == 0 || !char.IsAsciiLetterLower(cleaned[0]))
        {
            cleaned = "s-" + cleaned;
        }

        var suffix = KubernetesNames.Hash(service);
        var room = MaxServiceName - suffix.Length - 1;
        return (cleaned.Length > room ? cleaned[..room] : cleaned).TrimEnd('-') + "-" + suffix;
    }

    /// <summary>The address type of a host: <c>IPv4</c>, <c>IPv6</c>, <c>FQDN</c> for a DNS-1123 name, else <see langword="null"/>.</summary>
    public static string? AddressType(string host)
    {
        if (!host.Contains('%', StringComparison.Ordinal) && IPAddress.TryParse(host, out var ip) && string.Equals(ip.ToString(), host, StringComparison.OrdinalIgnoreCase))
        {
            return ip.AddressFamily == AddressFamily.InterNetworkV6 ? "IPv6" : "IPv4";
        }

        return KubernetesNames.IsDns1123Subdomain(host) ? "FQDN" : null;
    }

    /// <summary>The <c>protocol</c> of a port: UDP and SCTP by name, else TCP.</summary>
    public static string Transport(string protocol) => protocol.ToLowerInvariant() switch
    {
        "udp" => "UDP",
        "sctp" => "SCTP",
        _ => "TCP",
    };

    /// <summary>The <c>appProtocol</c> of a port, or <see langword="null"/> for a bare transport or a name the field does not allow.</summary>
    public static string? AppProtocol(string protocol)
    {
        var p = protocol.ToLowerInvariant();
        return p switch
        {
            "" or "tcp" or "udp" or "sctp" => null,
            "h2c" or "ws" or "wss" => "kubernetes.io/" + p,
            _ => KubernetesNames.IsDns1123Label(p) ? p : null,
        };
    }

    /// <summary>Maps the instances (as <see cref="KubernetesServiceWriter.TryNormalize"/> stored them) of one target service.</summary>
    public static Objects Map(string service, string ns, string syncId, IReadOnlyList<ServiceInstance> instances)
    {
        var name = ServiceName(service);
        var origins = instances.Select(static i => SyncMetadata.GetOrigin(i) ?? "unknown").Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        var serviceObject = new JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "Service",
            ["metadata"] = Metadata(name, ns, service, syncId, Origin(origins), null, null),
            ["spec"] = new JsonObject
            {
                ["type"] = "ClusterIP",
                ["ports"] = ServicePorts(instances),
            },
        };

        var slices = new List<JsonObject>();
        var groups = instances
            .GroupBy(static i => (Type: AddressType(i.Host)!, Origin: SyncMetadata.GetOrigin(i) ?? "unknown", Ports: PortKey(i)))
            .OrderBy(static g => g.Key.Type, StringComparer.Ordinal).ThenBy(static g => g.Key.Origin, StringComparer.Ordinal).ThenBy(static g => g.Key.Ports, StringComparer.Ordinal);
        foreach (var group in groups)
        {
            var members = group.OrderBy(static i => i.Id, StringComparer.Ordinal).ToList();
            var hash = KubernetesNames.Hash($"{group.Key.Type}|{group.Key.Origin}|{group.Key.Ports}");
            for (var start = 0; start < members.Count; start += MaxEndpointsPerSlice)
            {
                var chunk = members.GetRange(start, Math.Min(MaxEndpointsPerSlice, members.Count - start));
                var sliceName = $"{name}-{hash}-{(start / MaxEndpointsPerSlice).ToString(CultureInfo.InvariantCulture)}";
                slices.Add(new JsonObject
                {
                    ["apiVersion"] = "discovery.k8s.io/v1",
                    ["kind"] = "EndpointSlice",
                    ["metadata"] = Metadata(sliceName, ns, service, syncId, Origin([group.Key.Origin]), name, IstioInstanceCodec.Encode(chunk)),
                    ["addressType"] = group.Key.Type,
                    ["endpoints"] = new JsonArray([.. chunk.Select(static i => (JsonNode)Endpoint(i))]),
                    ["ports"] = new JsonArray([.. chunk[0].Ports.OrderBy(static p => p.Name, StringComparer.Ordinal).Select(static p => (JsonNode)SlicePort(p))]),
                });
            }
        }

        return new Objects(serviceObject, slices);
    }

    private static JsonObject Metadata(string name, string ns, string service, string syncId, string origin, string? serviceName, string? instances)
    {
        var labels = new JsonObject
        {
            [KubernetesOwnership.ManagedByLabel] = KubernetesOwnership.ManagedByValue,
            [KubernetesOwnership.OriginLabel] = origin,
            [KubernetesOwnership.SyncIdLabel] = syncId,
        };
        var annotations = new JsonObject { [KubernetesOwnership.ServiceAnnotation] = service };
        if (serviceName is not null)
        {
            labels[ManagedByLabel] = ControllerName;
            labels["kubernetes.io/service-name"] = serviceName;
            annotations[KubernetesOwnership.InstancesAnnotation] = instances;
        }

        return new JsonObject { ["name"] = name, ["namespace"] = ns, ["labels"] = labels, ["annotations"] = annotations };
    }

    private static JsonArray ServicePorts(IReadOnlyList<ServiceInstance> instances)
    {
        var byName = new SortedDictionary<string, (Dictionary<int, int> Numbers, ServicePort First)>(StringComparer.Ordinal);
        foreach (var port in instances.SelectMany(static i => i.Ports))
        {
            if (!byName.TryGetValue(port.Name, out var entry))
            {
                entry = (new Dictionary<int, int>(), port);
                byName[port.Name] = entry;
            }

            entry.Numbers[port.Port] = entry.Numbers.GetValueOrDefault(port.Port) + 1;
        }

        var result = new JsonArray();
        var used = new HashSet<(int, string)>();
        foreach (var (portName, (numbers, first)) in byName)
        {
            var number = numbers.OrderByDescending(static n => n.Value).ThenBy(static n => n.Key).First().Key;
            var transport = Transport(first.Protocol);
            if (!used.Add((number, transport)))
            {
                // A Service's port numbers are unique per protocol; the endpoints keep the name in their slices.
                continue;
            }

            var port = new JsonObject { ["name"] = portName, ["port"] = number, ["protocol"] = transport, ["targetPort"] = number };
            if (AppProtocol(first.Protocol) is { } app)
            {
                port["appProtocol"] = app;
            }

            result.Add(port);
        }

        return result;
    }

    private static JsonObject SlicePort(ServicePort port)
    {
        var json = new JsonObject { ["name"] = port.Name, ["port"] = port.Port, ["protocol"] = Transport(port.Protocol) };
        if (AppProtocol(port.Protocol) is { } app)
        {
            json["appProtocol"] = app;
        }

        return json;
    }

    private static JsonObject Endpoint(ServiceInstance instance)
    {
        var (ready, serving, terminating) = instance.Health switch
        {
            HealthStatus.Healthy => (true, true, false),
            HealthStatus.Draining => (false, true, true),
            _ => (false, false, false),
        };
        var endpoint = new JsonObject
        {
            ["addresses"] = new JsonArray(instance.Host),
            ["conditions"] = new JsonObject { ["ready"] = ready, ["serving"] = serving, ["terminating"] = terminating },
        };
        if (instance.Zone is { Length: > 0 } zone)
        {
            endpoint["zone"] = zone;
        }

        return endpoint;
    }

    private static string PortKey(ServiceInstance instance) =>
        string.Join(',', instance.Ports.OrderBy(static p => p.Name, StringComparer.Ordinal).Select(static p => $"{p.Name}:{p.Port.ToString(CultureInfo.InvariantCulture)}/{p.Protocol}"));

    private static string Origin(List<string> origins)
    {
        var joined = string.Join('.', origins);
        return origins.Count switch
        {
            0 => KubernetesOwnership.MixedOrigin,
            1 when KubernetesNames.IsLabelValue(joined) && joined.Length > 0 => joined,
            1 => KubernetesNames.ObjectName(joined, KubernetesNames.MaxLabelLength),
            _ => KubernetesNames.IsLabelValue(joined) ? joined : KubernetesOwnership.MixedOrigin,
        };
    }

    private static bool IsDns1035Label(string value) =>
        KubernetesNames.IsDns1123Label(value) && char.IsAsciiLetterLower(value[0]);
}
