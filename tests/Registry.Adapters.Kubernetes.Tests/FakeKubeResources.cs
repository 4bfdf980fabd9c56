namespace Registry.Adapters.Kubernetes.Tests;

/// <summary>A resource the fake serves: its API group, version and kind.</summary>
/// <param name="Resource">The plural resource name (the store key).</param>
/// <param name="Group">The API group (<c>""</c> for the core group).</param>
/// <param name="Version">The version.</param>
/// <param name="Kind">The kind.</param>
internal sealed record FakeKubeResource(string Resource, string Group, string Version, string Kind)
{
    public static readonly FakeKubeResource Services = new("services", "", "v1", "Service");
    public static readonly FakeKubeResource EndpointSlices = new("endpointslices", "discovery.k8s.io", "v1", "EndpointSlice");
    public static readonly FakeKubeResource Leases = new("leases", "coordination.k8s.io", "v1", "Lease");
    public static readonly FakeKubeResource ServiceEntries = new("serviceentries", "networking.istio.io", "v1", "ServiceEntry");
    public static readonly FakeKubeResource WorkloadEntries = new("workloadentries", "networking.istio.io", "v1", "WorkloadEntry");

    public static readonly IReadOnlyList<FakeKubeResource> All = [Services, EndpointSlices, Leases, ServiceEntries, WorkloadEntries];

    public string ApiVersion => Group.Length == 0 ? Version : $"{Group}/{Version}";

    /// <summary>The qualified name in messages (<c>leases.coordination.k8s.io</c>, <c>services</c>).</summary>
    public string Qualified => Group.Length == 0 ? Resource : $"{Resource}.{Group}";

    /// <summary>A custom resource (served by the apiextensions server: CRD schema validation, no strategic merge).</summary>
    public bool IsCustom => Group == "networking.istio.io";

    public static FakeKubeResource ByName(string resource) => All.First(r => r.Resource == resource);
}

/// <summary>One request as RBAC sees it: verb, API group, resource, namespace (null for cluster scope).</summary>
public sealed record FakeKubeRequest(string Verb, string Group, string Resource, string? Namespace, string? Name);
