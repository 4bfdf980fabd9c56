using System.Collections.Frozen;
using System.Text.Json.Nodes;

namespace Registry.Adapters.Kubernetes.Istio;

/// <summary>
/// The instances an object was written from, kept in its <see cref="KubernetesOwnership.InstancesAnnotation"/>: what
/// <see cref="IstioServiceEntryWriter.ListOwnedAsync"/> reads back, exactly as <see cref="IstioServiceEntryWriter.TryNormalize"/> returned it.
/// </summary>
internal static class IstioInstanceCodec
{
    public static string Encode(IEnumerable<ServiceInstance> instances)
    {
        var array = new JsonArray();
        foreach (var i in instances)
        {
            var ports = new JsonArray();
            foreach (var p in i.Ports)
            {
                ports.Add(new JsonObject { ["name"] = p.Name, ["port"] = p.Port, ["protocol"] = p.Protocol });
            }

            var metadata = new JsonObject();
            foreach (var (key, value) in i.Metadata.OrderBy(static m => m.Key, StringComparer.Ordinal))
            {
                metadata[key] = value;
            }

            array.Add(new JsonObject
            {
                ["service"] = i.Service,
                ["id"] = i.Id,
                ["host"] = i.Host,
                ["ports"] = ports,
                ["health"] = i.Health.ToString(),
                ["zone"] = i.Zone,
                ["tags"] = new JsonArray([.. i.Tags.Select(static t => (JsonNode)JsonValue.Create(t))]),
                ["metadata"] = metadata,
            });
        }

        return array.ToJsonString();
    }

    /// <summary>Decodes; null when the annotation is missing or not ours (then the object is treated as drifted).</summary>
    public static List<ServiceInstance>? Decode(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return null;
        }

        try
        {
            var result = new List<ServiceInstance>();
            foreach (var node in JsonNode.Parse(text)!.AsArray())
            {
                var o = node!.AsObject();
                result.Add(new ServiceInstance
                {
                    Service = o["service"]!.GetValue<string>(),
                    Id = o["id"]!.GetValue<string>(),
                    Host = o["host"]!.GetValue<string>(),
                    Ports = [.. o["ports"]!.AsArray().Select(static p => new ServicePort(p!["name"]!.GetValue<string>(), p["port"]!.GetValue<int>(), p["protocol"]!.GetValue<string>()))],
                    Health = Enum.Parse<HealthStatus>(o["health"]!.GetValue<string>()),
                    Zone = o["zone"]?.GetValue<string>(),
                    Tags = [.. o["tags"]!.AsArray().Select(static t => t!.GetValue<string>())],
                    Metadata = o["metadata"]!.AsObject().ToFrozenDictionary(static p => p.Key, static p => p.Value!.GetValue<string>(), StringComparer.Ordinal),
                });
            }

            return result;
        }
        catch (Exception ex) when (ex is System.Text.Json.JsonException or InvalidOperationException or NullReferenceException or ArgumentException or FormatException)
        {
            return null;
        }
    }
}
