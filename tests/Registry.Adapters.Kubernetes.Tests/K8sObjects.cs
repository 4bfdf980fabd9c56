using k8s.Models;

namespace Registry.Adapters.Kubernetes.Tests;

/// <summary>One endpoint of a test slice.</summary>
internal sealed record Ep(string Address, string? Pod = null, bool? Ready = true, bool? Serving = null, bool? Terminating = null, string? Zone = null, string? Node = null);

/// <summary>Builders for the API objects tests put into the fake.</summary>
internal static class K8sObjects
{
    public static V1EndpointSlice Slice(string ns, string service, string name, IEnumerable<Ep> endpoints, params (string Name, int Port, string? AppProtocol)[] ports) => new()
    {
        Metadata = new V1ObjectMeta
        {
            Name = name,
            NamespaceProperty = ns,
            Labels = new Dictionary<string, string>
            {
                ["kubernetes.io/service-name"] = service,
                ["endpointslice.kubernetes.io/managed-by"] = "endpointslice-controller.k8s.io",
                ["app"] = service,
            },
        },
        AddressType = "IPv4",
        Endpoints = [.. endpoints.Select(e => new V1Endpoint
        {
            Addresses = [e.Address],
            Conditions = new V1EndpointConditions { Ready = e.Ready, Serving = e.Serving, Terminating = e.Terminating },
            TargetRef = e.Pod is null ? null : new V1ObjectReference { Kind = "Pod", Name = e.Pod, NamespaceProperty = ns },
            Zone = e.Zone,
            NodeName = e.Node,
        })],
        Ports = [.. ports.Select(p => new Discoveryv1EndpointPort { Name = p.Name, Port = p.Port, Protocol = "TCP", AppProtocol = p.AppProtocol })],
    };

    public static V1EndpointSlice Slice(string ns, string service, string name, params Ep[] endpoints) =>
        Slice(ns, service, name, endpoints, ("http", 8080, "http"));

    public static V1Service Service(string ns, string name, IDictionary<string, string>? labels = null, string type = "ClusterIP", string? externalName = null, params (string Name, int Port)[] ports) => new()
    {
        Metadata = new V1ObjectMeta
        {
            Name = name,
            NamespaceProperty = ns,
            Labels = labels ?? new Dictionary<string, string> { ["app"] = name },
        },
        Spec = new V1ServiceSpec
        {
            Type = type,
            ExternalName = externalName,
            Selector = type == "ExternalName" ? null : new Dictionary<string, string> { ["app"] = name },
            Ports = [.. ports.Select(p => new V1ServicePort { Name = p.Name, Port = p.Port, Protocol = "TCP" })],
        },
    };
}
