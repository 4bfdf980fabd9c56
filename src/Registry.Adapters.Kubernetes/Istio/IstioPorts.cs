using System.Globalization;
using System.Text;

namespace Registry.Adapters.Kubernetes.Istio;

/// <summary>
/// The <c>ports</c> of a ServiceEntry from the ports of its instances: one per port name (the name as the
/// endpoint port map allows it), numbered by the number most instances use, numbers and names unique, at most 256.
/// </summary>
internal static class IstioPorts
{
    /// <summary>The CRD's <c>maxItems</c> of <c>spec.ports</c>.</summary>
    public const int MaxPorts = 256;

    /// <summary>The CRD's rule for endpoint port-map keys: <c>size(key) &lt; 63</c>.</summary>
    public const int MaxPortNameLength = 62;

    private static readonly string[] KnownPrefixes = ["http2", "https", "http", "grpc", "tls", "tcp"];

    /// <summary>One ServiceEntry port.</summary>
    public sealed record Port(string Name, int Number, string Protocol);

    /// <summary>Chooses the ports; reports the names that lost a number conflict or did not fit.</summary>
    public static List<Port> Choose(IEnumerable<ServiceInstance> instances, string service, List<IstioSkip> skipped)
    {
        var byName = new SortedDictionary<string, (Dictionary<int, int> Numbers, string Protocol)>(StringComparer.Ordinal);
        foreach (var instance in instances)
        {
            foreach (var port in instance.Ports)
            {
                var name = PortName(port);
                if (!byName.TryGetValue(name, out var entry))
                {
                    entry = (new Dictionary<int, int>(), Protocol(port));
                    byName[name] = entry;
                }

                entry.Numbers[port.Port] = entry.Numbers.GetValueOrDefault(port.Port) + 1;
            }
        }

        var ports = new List<Port>();
        var used = new HashSet<int>();
        foreach (var (name, (numbers, protocol)) in byName)
        {
            var number = numbers.OrderByDescending(static n => n.Value).ThenBy(static n => n.Key).First().Key;
            if (!used.Add(number))
            {
                var owner = ports.First(p => p.Number == number).Name;
                skipped.Add(new IstioSkip(service, $"port {name}", $"number {number.ToString(CultureInfo.InvariantCulture)} is already the service port '{owner}' (ServiceEntry port numbers must be unique)"));
                continue;
            }

            if (ports.Count == MaxPorts)
            {
                skipped.Add(new IstioSkip(service, $"port {name}", $"a ServiceEntry holds at most {MaxPorts} ports"));
                continue;
            }

            ports.Add(new Port(name, number, protocol));
        }

        return ports;
    }

    /// <summary>
    /// The port's name as the endpoint port map allows it (<c>^[a-zA-Z0-9](?:[-a-zA-Z0-9]*[a-zA-Z0-9])?$</c>, under 63):
    /// lower-cased, other characters as '-'; an empty result becomes <c>{protocol}-{number}</c>.
    /// </summary>
    public static string PortName(ServicePort port)
    {
        var builder = new StringBuilder(port.Name.Length);
        foreach (var c in port.Name.ToLowerInvariant())
        {
            builder.Append(c is (>= 'a' and <= 'z') or (>= '0' and <= '9') ? c : '-');
        }

        var name = builder.ToString().Trim('-');
        if (name.Length > MaxPortNameLength)
        {
            name = name[..MaxPortNameLength].TrimEnd('-');
        }

        return name.Length > 0 ? name : $"{Protocol(port).ToLowerInvariant()}-{port.Port.ToString(CultureInfo.InvariantCulture)}";
    }

    /// <summary>
    /// The Istio protocol: http → HTTP, http2/h2c → HTTP2, grpc → GRPC, https → HTTPS, tls → TLS, tcp → TCP, anything
    /// else TCP. The registries give every port a protocol (<c>tcp</c> when the source has none), which is trusted; only
    /// an empty one is taken from the name's prefix, as Istio does for Kubernetes ports (<c>http-web</c> → HTTP).
    /// </summary>
    public static string Protocol(ServicePort port)
    {
        var protocol = port.Protocol.ToLowerInvariant();
        if (protocol.Length == 0)
        {
            var name = port.Name.ToLowerInvariant();
            protocol = KnownPrefixes.FirstOrDefault(p => name.StartsWith(p, StringComparison.Ordinal)
                && (name.Length == p.Length || name[p.Length] is '-' or '_')) ?? "tcp";
        }

        return protocol switch
        {
            "http" => "HTTP",
            "http2" or "h2c" => "HTTP2",
            "grpc" => "GRPC",
            "https" => "HTTPS",
            "tls" => "TLS",
            _ => "TCP",
        };
    }
}
