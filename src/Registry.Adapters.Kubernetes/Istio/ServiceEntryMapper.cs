using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;

namespace Registry.Adapters.Kubernetes.Istio;

/// <summary>
/// Maps a mesh service to one <c>networking.istio.io/v1</c> ServiceEntry (plus WorkloadEntries when its endpoints are
/// standalone) that passes the CRD's validation rules. Used by <c>mesh-sync export istio</c> and the <c>istio</c> sync target.
/// </summary>
public static partial class ServiceEntryMapper
{
    /// <summary>The API version of the objects.</summary>
    public const string ApiVersion = "networking.istio.io/v1";

    /// <summary>Maps one service.</summary>
    /// <param name="service">The mesh service; every instance is mapped, whatever its health (filter before).</param>
    /// <param name="options">The mapping options.</param>
    /// <returns>The objects, and what was skipped.</returns>
    public static IstioMapping Map(MeshService service, IstioMappingOptions options)
    {
        ArgumentNullException.ThrowIfNull(service);
        ArgumentNullException.ThrowIfNull(options);
        var skipped = new List<IstioSkip>();
        var host = Host(options.HostTemplate, service.Name);
        if (!KubernetesNames.IsDns1123Subdomain(host))
        {
            skipped.Add(new IstioSkip(service.Name, "service", $"host '{ServiceInstanceValidator.Printable(host, 64)}' (from the host template) is not a DNS-1123 name"));
            return new IstioMapping(service.Name, null, [], skipped);
        }

        var endpoints = new List<(MeshInstance Item, bool IsIp)>();
        foreach (var item in service.Instances)
        {
            var address = item.Instance.Host;
            var isIp = IsIpAddress(address);
            if (!isIp && !KubernetesNames.IsDns1123Subdomain(address.ToLowerInvariant()))
            {
                skipped.Add(new IstioSkip(service.Name, $"instance {item.Registry}/{ServiceInstanceValidator.Printable(item.Instance.Id, 64)}",
                    $"address '{ServiceInstanceValidator.Printable(address, 64)}' is neither an IP address nor a DNS-1123 host name"));
                continue;
            }

            endpoints.Add((item, isIp));
        }

        var ports = IstioPorts.Choose(endpoints.Select(static e => e.Item.Instance), service.Name, skipped);
        var name = KubernetesNames.ObjectName(service.Name);
        var standalone = options.WorkloadEntries || endpoints.Count > IstioMappingOptions.MaxInlineEndpoints;
        var selectorValue = KubernetesNames.IsLabelValue(name) ? name : KubernetesNames.ObjectName(name, KubernetesNames.MaxLabelLength);
        var origin = Origin(service);
        var spec = new JsonObject
        {
            ["hosts"] = new JsonArray(host),
            ["location"] = options.Location == IstioLocation.MeshExternal ? "MESH_EXTERNAL" : "MESH_INTERNAL",
            ["ports"] = PortsJson(ports),
            ["resolution"] = endpoints.All(static e => e.IsIp) ? "STATIC" : "DNS",
        };

        var workloadEntries = new List<JsonObject>();
        if (standalone)
        {
            spec["workloadSelector"] = new JsonObject { ["labels"] = new JsonObject { [KubernetesOwnership.ServiceLabel] = selectorValue } };
            foreach (var (item, _) in endpoints)
            {
                var entry = Endpoint(item, ports, service.Name, options, skipped, selectorValue);
                var entryName = KubernetesNames.ObjectName($"{name}-{KubernetesNames.Hash(item.Registry + "/" + item.Instance.Id)}");
                workloadEntries.Add(Object("WorkloadEntry", entryName, service.Name, LabelValue(item.Registry), selectorValue, options, entry));
            }
        }
        else if (endpoints.Count > 0)
        {
            var array = new JsonArray();
            foreach (var (item, _) in endpoints)
            {
                array.Add(Endpoint(item, ports, service.Name, options, skipped, selector: null));
            }

            spec["endpoints"] = array;
        }

        var serviceEntry = Object("ServiceEntry", name, service.Name, origin, selectorValue, options, spec);
        return new IstioMapping(service.Name, serviceEntry, workloadEntries, skipped);
    }

    /// <summary>The host the template gives for a mesh name (lower-case).</summary>
    /// <param name="template">The host template, with <c>{service}</c>.</param>
    /// <param name="service">The mesh name.</param>
    /// <returns>The host; not yet validated.</returns>
    public static string Host(string template, string service)
    {
        ArgumentNullException.ThrowIfNull(template);
        return template.Replace(IstioMappingOptions.ServicePlaceholder, service, StringComparison.Ordinal).ToLowerInvariant();
    }

    private static JsonObject Object(string kind, string name, string service, string origin, string selectorValue, IstioMappingOptions options, JsonObject spec)
    {
        var metadata = new JsonObject { ["name"] = name };
        if (options.Namespace is { Length: > 0 } ns)
        {
            metadata["namespace"] = ns;
        }

        metadata["labels"] = new JsonObject
        {
            [KubernetesOwnership.ManagedByLabel] = KubernetesOwnership.ManagedByValue,
            [KubernetesOwnership.OriginLabel] = origin,
            [KubernetesOwnership.ServiceLabel] = selectorValue,
            [KubernetesOwnership.SyncIdLabel] = options.SyncId,
        };
        metadata["annotations"] = new JsonObject { [KubernetesOwnership.ServiceAnnotation] = service };
        return new JsonObject
        {
            ["apiVersion"] = ApiVersion,
            ["kind"] = kind,
            ["metadata"] = metadata,
            ["spec"] = spec,
        };
    }

    private static JsonArray PortsJson(List<IstioPorts.Port> ports)
    {
        var array = new JsonArray();
        foreach (var port in ports)
        {
            array.Add(new JsonObject { ["name"] = port.Name, ["number"] = port.Number, ["protocol"] = port.Protocol });
        }

        return array;
    }

    private static JsonObject Endpoint(MeshInstance item, List<IstioPorts.Port> ports, string service, IstioMappingOptions options, List<IstioSkip> skipped, string? selector)
    {
        var instance = item.Instance;
        var endpoint = new JsonObject { ["address"] = IsIpAddress(instance.Host) ? instance.Host : instance.Host.ToLowerInvariant() };
        var portMap = new JsonObject();
        foreach (var port in instance.Ports)
        {
            var portName = IstioPorts.PortName(port);
            if (ports.Exists(p => p.Name == portName) && !portMap.ContainsKey(portName))
            {
                portMap[portName] = port.Port;
            }
        }

        if (portMap.Count > 0)
        {
            endpoint["ports"] = portMap;
        }

        endpoint["labels"] = IstioLabels.For(item, service, skipped, selector);
        if (Locality(instance, options) is { } locality)
        {
            endpoint["locality"] = locality;
        }

        if (Weight(instance, options) is { } weight)
        {
            endpoint["weight"] = weight;
        }

        return endpoint;
    }

    private static int? Weight(ServiceInstance instance, IstioMappingOptions options) =>
        instance.Metadata.TryGetValue(options.WeightMetadataKey, out var text)
        && int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var weight) && weight > 0
            ? weight
            : options.Weight;

    private static string Origin(MeshService service)
    {
        var registries = service.Instances.Select(static i => i.Registry).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        var origin = string.Join('.', registries);
        return registries.Count switch
        {
            0 => KubernetesOwnership.MixedOrigin,
            1 => LabelValue(origin),
            _ => KubernetesNames.IsLabelValue(origin) ? origin : KubernetesOwnership.MixedOrigin,
        };
    }

    private static string LabelValue(string text) =>
        KubernetesNames.IsLabelValue(text) && text.Length > 0 ? text : KubernetesNames.ObjectName(text, KubernetesNames.MaxLabelLength);

    private static bool IsIpAddress(string host) =>
        !host.Contains('%', StringComparison.Ordinal) && IPAddress.TryParse(host, out var ip)
        && string.Equals(ip.ToString(), host, StringComparison.OrdinalIgnoreCase);
}
