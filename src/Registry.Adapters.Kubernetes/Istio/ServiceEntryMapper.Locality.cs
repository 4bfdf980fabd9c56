using System.Text.RegularExpressions;

namespace Registry.Adapters.Kubernetes.Istio;

public static partial class ServiceEntryMapper
{
    private static readonly string[] RegionKeys = ["region", "topology.kubernetes.io/region"];

    /// <summary>
    /// The Istio locality <c>region/zone</c>: the region from <c>region</c> metadata, else from a cloud zone name
    /// (AWS <c>us-east-1a</c> → <c>us-east-1</c>, GCP <c>europe-west1-b</c> → <c>europe-west1</c>), else
    /// <see cref="IstioMappingOptions.DefaultRegion"/>; no zone or no region, no locality.
    /// </summary>
    internal static string? Locality(ServiceInstance instance, IstioMappingOptions options)
    {
        if (string.IsNullOrWhiteSpace(instance.Zone) || instance.Zone.Contains('/', StringComparison.Ordinal))
        {
            return null;
        }

        string? region = null;
        foreach (var key in RegionKeys)
        {
            if (instance.Metadata.TryGetValue(key, out var value) && value.Length > 0 && !value.Contains('/', StringComparison.Ordinal))
            {
                region = value;
                break;
            }
        }

        region ??= CloudZone().Match(instance.Zone) is { Success: true } match ? match.Groups["region"].Value : options.DefaultRegion;
        var locality = region is null ? null : $"{region}/{instance.Zone}";
        return locality is { Length: <= 2048 } && !locality.Any(char.IsControl) ? locality : null;
    }

    [GeneratedRegex(@"^(?<region>[a-z]+(-[a-z]+)+-?[0-9]+)(-?[a-z])$", RegexOptions.CultureInvariant)]
    private static partial Regex CloudZone();
}
