using System.Collections.Frozen;
using k8s.Models;

namespace Registry.Adapters.Kubernetes;

/// <summary>
/// What the adapter keeps of one Service: its labels (as instance metadata, validated once), and for
/// an <c>ExternalName</c> Service the one instance at its external name. Immutable: a changed Service
/// is a new <see cref="ServiceInfo"/>, and the slices of that service are mapped again.
/// </summary>
internal sealed class ServiceInfo
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, IReadOnlyDictionary<string, string>> _metadataByNode = new(StringComparer.Ordinal);

    private ServiceInfo(string sourceName, FrozenDictionary<string, string> labels, ServiceInstance? external)
    {
        SourceName = sourceName;
        Labels = labels;
        External = external;
    }

    /// <summary>The source service name, <c>{service}.{namespace}</c>.</summary>
    public string SourceName { get; }

    /// <summary>The Service's labels that passed validation.</summary>
    public FrozenDictionary<string, string> Labels { get; }

    /// <summary>For an ExternalName Service, its one instance; else <see langword="null"/>.</summary>
    public ServiceInstance? External { get; }

    /// <summary>A Service the adapter has not seen (its slices arrived first, or a label selector hides it).</summary>
    public static ServiceInfo Unknown(string sourceName) => new(sourceName, FrozenDictionary<string, string>.Empty, null);

    public static string SourceNameOf(string service, string? ns) => $"{service}.{ns}";

    /// <summary>Maps a Service; invalid labels are dropped and reported.</summary>
    public static ServiceInfo From(V1Service service, List<SkippedRecord> skipped)
    {
        var ns = service.Metadata?.NamespaceProperty;
        var name = service.Metadata?.Name;
        var sourceName = SourceNameOf(name ?? string.Empty, ns);
        var labels = new Dictionary<string, string>(StringComparer.Ordinal);
        if (service.Metadata?.Labels is { } raw)
        {
            foreach (var (key, value) in raw)
            {
                if (labels.Count >= ServiceInstanceValidator.MaxItems - 8 || !ValidLabel(key, value))
                {
                    skipped.Add(new SkippedRecord($"services/{Printable(ns)}/{Printable(name)}/labels/{Printable(key)}", "label is too long, has control characters, or there are too many labels; left out of the metadata"));
                    continue;
                }

                labels[key] = value ?? string.Empty;
            }
        }

        var frozen = labels.ToFrozenDictionary(StringComparer.Ordinal);
        ServiceInstance? external = null;
        if (string.Equals(service.Spec?.Type, "ExternalName", StringComparison.Ordinal))
        {
            var ports = new List<ServicePort>();
            foreach (var port in service.Spec?.Ports ?? [])
            {
                var mapped = EndpointSliceMapper.MapPort(port.Name, port.Port, port.Protocol, port.AppProtocol, $"services/{Printable(ns)}/{Printable(name)}", skipped);
                if (mapped is not null && !ports.Exists(p => string.Equals(p.Name, mapped.Name, StringComparison.OrdinalIgnoreCase)))
                {
                    ports.Add(mapped);
                }
            }

            var metadata = new Dictionary<string, string>(frozen, StringComparer.Ordinal) { ["externalName"] = service.Spec?.ExternalName ?? string.Empty };
            var candidate = new ServiceInstance
            {
                Service = sourceName,
                Id = name ?? string.Empty,
                Host = service.Spec?.ExternalName ?? string.Empty,
                Ports = ports,
                Health = HealthStatus.Healthy,
                Metadata = metadata.ToFrozenDictionary(StringComparer.Ordinal),
            };
            if (ServiceInstanceValidator.Validate(candidate) is { } error)
            {
                skipped.Add(new SkippedRecord($"services/{Printable(ns)}/{Printable(name)}", $"ExternalName service skipped: {error}"));
            }
            else
            {
                external = candidate;
            }
        }

        return new ServiceInfo(sourceName, frozen, external);
    }

    /// <summary>True when <paramref name="other"/> maps to the same instances (labels and external instance).</summary>
    public bool SameMapping(ServiceInfo other) =>
        Equals(External, other.External)
        && Labels.Count == other.Labels.Count
        && Labels.All(p => other.Labels.TryGetValue(p.Key, out var v) && string.Equals(v, p.Value, StringComparison.Ordinal));

    /// <summary>The metadata of an endpoint on <paramref name="nodeName"/>: the labels plus <c>nodeName</c>; shared between endpoints of one node.</summary>
    public IReadOnlyDictionary<string, string> MetadataFor(string? nodeName)
    {
        if (string.IsNullOrEmpty(nodeName))
        {
            return Labels;
        }

        lock (_gate)
        {
            if (!_metadataByNode.TryGetValue(nodeName, out var metadata))
            {
                var builder = new Dictionary<string, string>(Labels, StringComparer.Ordinal) { ["nodeName"] = nodeName };
                metadata = builder.ToFrozenDictionary(StringComparer.Ordinal);
                _metadataByNode[nodeName] = metadata;
            }

            return metadata;
        }
    }

    /// <summary>
    /// The instances of an EndpointSlice some sync wrote (the <c>kubernetes</c> target's slices carry the ownership labels)
    /// read back with <see cref="SyncMetadata.SyncIdKey"/> and <see cref="SyncMetadata.OriginKey"/>, so the catalog's
    /// loop rules see it as mirrored.
    /// </summary>
    /// <returns>Whether markers were added.</returns>
    public static bool AddMarkers(IDictionary<string, string> metadata, IDictionary<string, string>? labels)
    {
        if (labels is null
            || !labels.TryGetValue(Istio.KubernetesOwnership.ManagedByLabel, out var manager) || manager != Istio.KubernetesOwnership.ManagedByValue
            || !labels.TryGetValue(Istio.KubernetesOwnership.SyncIdLabel, out var syncId) || string.IsNullOrEmpty(syncId))
        {
            return false;
        }

        metadata[SyncMetadata.SyncIdKey] = syncId;
        metadata[SyncMetadata.OriginKey] = labels.TryGetValue(Istio.KubernetesOwnership.OriginLabel, out var origin) && !string.IsNullOrEmpty(origin) ? origin : Istio.KubernetesOwnership.MixedOrigin;
        return true;
    }

    private static bool ValidLabel(string? key, string? value) =>
        !string.IsNullOrEmpty(key) && key.Length <= ServiceInstanceValidator.MaxShortValueLength && !key.Any(char.IsControl)
        && (value is null || (value.Length <= ServiceInstanceValidator.MaxMetadataValueLength && !value.Any(c => char.IsControl(c) && c != '\t')));

    private static string Printable(string? value) => ServiceInstanceValidator.Printable(value, 64);
}
