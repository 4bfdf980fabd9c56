using System.Collections.Immutable;

namespace Registry.Adapters.ServiceDiscovery;

/// <summary>
/// Picks the instances and ports that answer one service-discovery query: the best non-empty tier of
/// fresh-and-in-zone, fresh, stale-and-in-zone, stale; then, per instance, the port the query names or the first
/// scheme (in the query's order) that any instance serves.
/// </summary>
internal static class EndpointSelection
{
    /// <summary>The schemes asked for when the query names none (<c>orders</c>, not <c>http://orders</c>).</summary>
    private static readonly string[] DefaultSchemes = ["https", "http"];

    /// <summary>Why nothing was selected, for the error message.</summary>
    internal enum Outcome
    {
        /// <summary>At least one endpoint.</summary>
        Selected = 0,

        /// <summary>No instance is eligible by health or staleness.</summary>
        NoEligibleInstance = 1,

        /// <summary>Eligible instances exist, but none has the requested port or scheme.</summary>
        NoMatchingPort = 2,
    }

    /// <summary>The schemes to try, in order: the query's, or the defaults, restricted to the allowed ones.</summary>
    public static string[] Schemes(IReadOnlyList<string> requested, bool allowAll, IList<string> allowed)
    {
        IReadOnlyList<string> source = requested.Count == 0 ? DefaultSchemes : requested;
        var schemes = new List<string>(source.Count);
        foreach (var scheme in source)
        {
            if (!allowAll && !Contains(allowed, scheme))
            {
                continue;
            }

            if (!Contains(schemes, scheme))
            {
                schemes.Add(scheme.ToLowerInvariant());
            }
        }

        return [.. schemes];
    }

    /// <summary>Selects the endpoints for <paramref name="instances"/>; adds (instance, uri) pairs to <paramref name="selected"/>.</summary>
    public static Outcome Select(
        ImmutableArray<MeshInstance> instances,
        MeshServiceEndpointProviderOptions options,
        string? endpointName,
        string[] schemes,
        List<(MeshInstance Instance, Uri Uri)> selected)
    {
        // Tiers, best first: fresh in zone, fresh, stale in zone, stale. The first tier with an eligible instance wins.
        var zone = string.IsNullOrEmpty(options.Zone) ? null : options.Zone;
        var anyEligible = false;
        for (var tier = 0; tier < 4; tier++)
        {
            var stale = tier >= 2;
            var inZone = tier % 2 == 0;
            if ((stale && !options.UseStaleWhenNoneFresh) || (inZone && zone is null))
            {
                continue;
            }

            var eligible = 0;
            foreach (var instance in instances)
            {
                if (IsEligible(instance, options, stale, inZone ? zone : null))
                {
                    eligible++;
                }
            }

            if (eligible == 0)
            {
                continue;
            }

            anyEligible = true;
            AddEndpoints(instances, options, stale, inZone ? zone : null, endpointName, schemes, selected);
            if (selected.Count > 0)
            {
                return Outcome.Selected;
            }
        }

        return anyEligible ? Outcome.NoMatchingPort : Outcome.NoEligibleInstance;
    }

    private static bool IsEligible(MeshInstance instance, MeshServiceEndpointProviderOptions options, bool stale, string? zone) =>
        instance.Stale == stale
        && options.Allows(instance.Instance.Health)
        && (zone is null || string.Equals(instance.Instance.Zone, zone, StringComparison.OrdinalIgnoreCase));

    private static void AddEndpoints(
        ImmutableArray<MeshInstance> instances,
        MeshServiceEndpointProviderOptions options,
        bool stale,
        string? zone,
        string? endpointName,
        string[] schemes,
        List<(MeshInstance, Uri)> selected)
    {
        if (endpointName is not null)
        {
            foreach (var instance in instances)
            {
                if (IsEligible(instance, options, stale, zone)
                    && instance.Instance.GetPort(endpointName) is { } port
                    && SchemeOf(port, schemes) is { } scheme)
                {
                    selected.Add((instance, BuildUri(scheme, instance.Instance.Host, port.Port)));
                }
            }

            return;
        }

        // Like MESD's configuration provider: the first scheme (in the query's order) that any instance serves wins,
        // so https+http://orders gives only https endpoints while one instance has an https port.
        foreach (var scheme in schemes)
        {
            foreach (var instance in instances)
            {
                if (IsEligible(instance, options, stale, zone) && PortFor(instance.Instance, scheme) is { } port)
                {
                    selected.Add((instance, BuildUri(scheme, instance.Instance.Host, port.Port)));
                }
            }

            if (selected.Count > 0)
            {
                return;
            }
        }
    }

    /// <summary>The port serving a scheme: the port named like it, else the first whose protocol is the scheme.</summary>
    private static ServicePort? PortFor(ServiceInstance instance, string scheme)
    {
        if (instance.GetPort(scheme) is { } named)
        {
            return named;
        }

        foreach (var port in instance.Ports)
        {
            if (string.Equals(port.Protocol, scheme, StringComparison.OrdinalIgnoreCase))
            {
                return port;
            }
        }

        return null;
    }

    /// <summary>The scheme for a named port: https when the port speaks TLS, http otherwise; it must be one the query allows.</summary>
    private static string? SchemeOf(ServicePort port, string[] schemes)
    {
        var wanted = IsTls(port) ? "https" : "http";
        return Contains(schemes, wanted) ? wanted : null;
    }

    private static bool IsTls(ServicePort port) =>
        port.Protocol.Equals("https", StringComparison.OrdinalIgnoreCase)
        || port.Protocol.Equals("grpcs", StringComparison.OrdinalIgnoreCase)
        || port.Protocol.Equals("tls", StringComparison.OrdinalIgnoreCase)
        || port.Name.Equals("https", StringComparison.OrdinalIgnoreCase);

    private static Uri BuildUri(string scheme, string host, int port) => new UriBuilder(scheme, host, port).Uri;

    private static bool Contains(IEnumerable<string> list, string value)
    {
        foreach (var item in list)
        {
            if (string.Equals(item, value, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }
}
