namespace Registry.Adapters.Kubernetes.Istio;

/// <summary>Whether Istio treats the mapped services as part of the mesh (mTLS, policy) or as external APIs.</summary>
public enum IstioLocation
{
    /// <summary><c>MESH_INTERNAL</c>: workloads with sidecars, such as VMs brought into the mesh.</summary>
    MeshInternal = 0,

    /// <summary><c>MESH_EXTERNAL</c>: services outside the mesh, reached without mesh mTLS.</summary>
    MeshExternal = 1,
}

/// <summary>How mesh services become <c>networking.istio.io/v1</c> ServiceEntries and WorkloadEntries.</summary>
public sealed class IstioMappingOptions
{
    /// <summary>The placeholder of <see cref="HostTemplate"/> that stands for the mesh service name.</summary>
    public const string ServicePlaceholder = "{service}";

    /// <summary>The most endpoints a ServiceEntry may carry inline (the CRD's <c>maxItems</c> of <c>spec.endpoints</c>).</summary>
    public const int MaxInlineEndpoints = 4096;

    /// <summary>
    /// The host of each ServiceEntry; <c>{service}</c> is replaced by the mesh name. The result must be a DNS-1123
    /// name without wildcards, else the service is skipped and reported. <value>The default value is <c>{service}.mesh</c>.</value>
    /// </summary>
    public string HostTemplate { get; set; } = "{service}.mesh";

    /// <summary>The <c>location</c> of every ServiceEntry. <value>The default value is <see cref="IstioLocation.MeshInternal"/>.</value></summary>
    public IstioLocation Location { get; set; } = IstioLocation.MeshInternal;

    /// <summary>The namespace of every object. <value>The default value is <see langword="null"/>: no namespace (kubectl applies to its current one).</value></summary>
    public string? Namespace { get; set; }

    /// <summary>The sync id that marks every object (a DNS label). <value>The default value is <c>mesh-sync</c>.</value></summary>
    public string SyncId { get; set; } = "mesh-sync";

    /// <summary>The load-balancing weight of every endpoint, unless the instance's <see cref="WeightMetadataKey"/> metadata sets one. <value>The default value is <see langword="null"/>: no weight (Istio's default).</value></summary>
    public int? Weight { get; set; }

    /// <summary>The instance metadata key whose positive integer value is the endpoint's weight. <value>The default value is <c>weight</c>.</value></summary>
    public string WeightMetadataKey { get; set; } = "weight";

    /// <summary>
    /// The region of endpoints whose zone names no region (neither <c>region</c> metadata nor a cloud zone name such as
    /// <c>us-east-1a</c>); with none, such endpoints get no locality. <value>The default value is <see langword="null"/>.</value>
    /// </summary>
    public string? DefaultRegion { get; set; }

    /// <summary>
    /// Writes endpoints as standalone WorkloadEntry objects selected by the ServiceEntry's <c>workloadSelector</c>, for every
    /// service (services with more than <see cref="MaxInlineEndpoints"/> endpoints always are). <value>The default value is <see langword="false"/>.</value>
    /// </summary>
    public bool WorkloadEntries { get; set; }
}
