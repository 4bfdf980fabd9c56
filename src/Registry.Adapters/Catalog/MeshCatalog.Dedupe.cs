using System.Collections.Immutable;
using System.Runtime.InteropServices;

namespace Registry.Adapters;

/// <summary>Union of several registries' instances, deduplicated on (host, primary port).</summary>
internal sealed partial class MeshCatalog
{
    /// <summary>Union merges up to this many instances dedupe by scanning, without a hash set.</summary>
    private const int ScanDedupeLimit = 64;

    /// <summary>The instances of several registries in priority order, deduplicated on (host, primary port) across registries.</summary>
    private ImmutableArray<MeshInstance> Union((int Start, int Length) range)
    {
        var total = 0;
        for (var i = range.Start; i < range.Start + range.Length; i++)
        {
            total += _contributions[i].Instances.Length;
        }

        var merged = new MeshInstance[total];
        var count = 0;
        var seen = total > ScanDedupeLimit ? new HashSet<(string Host, int Port)>(total, EndpointComparer.Instance) : null;
        for (var i = range.Start; i < range.Start + range.Length; i++)
        {
            // Only instances of higher-priority registries count as duplicates: within one registry they are distinct.
            var higher = count;
            foreach (var instance in _contributions[i].Instances)
            {
                var endpoint = EndpointOf(instance);
                if (seen is null ? !ContainsEndpoint(merged.AsSpan(0, higher), endpoint) : !seen.Contains(endpoint))
                {
                    merged[count++] = instance;
                }
            }

            for (var k = higher; seen is not null && k < count; k++)
            {
                seen.Add(EndpointOf(merged[k]));
            }
        }

        if (count < merged.Length)
        {
            Array.Resize(ref merged, count);
        }

        return ImmutableCollectionsMarshal.AsImmutableArray(merged);
    }

    private static bool ContainsEndpoint(ReadOnlySpan<MeshInstance> kept, (string Host, int Port) endpoint)
    {
        foreach (var instance in kept)
        {
            if (EndpointComparer.Instance.Equals(EndpointOf(instance), endpoint))
            {
                return true;
            }
        }

        return false;
    }

    private static (string Host, int Port) EndpointOf(MeshInstance instance) =>
        (instance.Instance.Host, instance.Instance.Ports.Count > 0 ? instance.Instance.Ports[0].Port : 0);

    private sealed class EndpointComparer : IEqualityComparer<(string Host, int Port)>
    {
        public static readonly EndpointComparer Instance = new();

        public bool Equals((string Host, int Port) x, (string Host, int Port) y) =>
            x.Port == y.Port && string.Equals(x.Host, y.Host, StringComparison.OrdinalIgnoreCase);

        public int GetHashCode((string Host, int Port) obj) =>
            HashCode.Combine(string.GetHashCode(obj.Host, StringComparison.OrdinalIgnoreCase), obj.Port);
    }
}
