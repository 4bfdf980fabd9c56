namespace Registry.Adapters.Kubernetes.Istio;

/// <summary>The labels and annotations that mark the Kubernetes and Istio objects a sync owns.</summary>
public static class KubernetesOwnership
{
    /// <summary>The label every written object carries, with value <see cref="ManagedByValue"/>.</summary>
    public const string ManagedByLabel = "app.kubernetes.io/managed-by";

    /// <summary>The value of <see cref="ManagedByLabel"/>.</summary>
    public const string ManagedByValue = "mesh-sync";

    /// <summary>The label carrying the sync id.</summary>
    public const string SyncIdLabel = "registry-adapters.io/sync-id";

    /// <summary>The label carrying the origin registry (registries joined by '.' when a merged service has several).</summary>
    public const string OriginLabel = "registry-adapters.io/origin";

    /// <summary>The label that joins WorkloadEntries to their ServiceEntry's <c>workloadSelector</c>, and names the service on every object.</summary>
    public const string ServiceLabel = "registry-adapters.io/service";

    /// <summary>The endpoint label carrying the registry an instance came from.</summary>
    public const string RegistryLabel = "registry-adapters.io/registry";

    /// <summary>The endpoint label carrying an instance's health when it is not healthy.</summary>
    public const string HealthLabel = "registry-adapters.io/health";

    /// <summary>The annotation carrying the mesh service name as the catalog spells it.</summary>
    public const string ServiceAnnotation = "registry-adapters.io/mesh-service";

    /// <summary>The annotation carrying a hash of the desired content, so that an unchanged object is not written again.</summary>
    public const string HashAnnotation = "registry-adapters.io/content-hash";

    /// <summary>The origin value of a service merged from more registries than a label value can name.</summary>
    public const string MixedOrigin = "mixed";

    /// <summary>Whether a key belongs to the ownership vocabulary (never copied from a source's metadata).</summary>
    /// <param name="key">A label key or metadata key.</param>
    /// <returns><see langword="true"/> for reserved keys.</returns>
    public static bool IsReserved(string key) =>
        key.StartsWith("registry-adapters.io/", StringComparison.OrdinalIgnoreCase)
        || key.StartsWith("mesh-sync", StringComparison.OrdinalIgnoreCase)
        || string.Equals(key, ManagedByLabel, StringComparison.OrdinalIgnoreCase);
}
