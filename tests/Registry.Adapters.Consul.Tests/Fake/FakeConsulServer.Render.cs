namespace Registry.Adapters.Consul.Tests.Fake;

// Response bodies in the agent's shapes: health entries nested (Node/Service/Checks, the name field is
// Service.Service), the catalog flat (Service* fields), node tagged addresses as strings and service
// tagged addresses as {Address, Port} objects.
public sealed partial class FakeConsulServer
{
    private Dictionary<string, List<string>> RenderCatalogLocked()
    {
        var result = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (var service in _services.Values.OrderBy(s => s.CreateIndex))
        {
            if (!result.TryGetValue(service.Spec.Name, out var tags))
            {
                result[service.Spec.Name] = tags = [];
            }

            tags.AddRange(service.Spec.Tags.Where(t => !tags.Contains(t)));
        }

        return result;
    }

    private List<Dictionary<string, object?>> RenderHealthLocked(string name, string[] tags, bool passingOnly)
    {
        var entries = new List<Dictionary<string, object?>>();
        foreach (var ((node, id), service) in _services.OrderBy(p => p.Key.Node, StringComparer.Ordinal).ThenBy(p => p.Key.Id, StringComparer.Ordinal))
        {
            if (service.Spec.Name != name || !tags.All(service.Spec.Tags.Contains))
            {
                continue;
            }

            var checks = _checks.Values
                .Where(c => c.Node == node && (c.ServiceId.Length == 0 || c.ServiceId == id))
                .OrderBy(c => c.ServiceId.Length).ThenBy(c => c.CheckId, StringComparer.Ordinal)
                .ToList();
            if (passingOnly && checks.Any(c => c.Status != "passing"))
            {
                continue;
            }

            entries.Add(new Dictionary<string, object?>
            {
                ["Node"] = RenderNode(_nodes[node]),
                ["Service"] = RenderService(service),
                ["Checks"] = checks.Select(c => RenderCheck(c, service.Spec.Tags)).ToList(),
            });
        }

        return entries;
    }

    private List<Dictionary<string, object?>> RenderCatalogServiceLocked(string name) =>
        [.. _services.Where(p => p.Value.Spec.Name == name).OrderBy(p => p.Key.Node, StringComparer.Ordinal).Select(p =>
        {
            var node = _nodes[p.Key.Node];
            var spec = p.Value.Spec;
            return new Dictionary<string, object?>
            {
                ["ID"] = node.Id, ["Node"] = node.Name, ["Address"] = node.Address, ["Datacenter"] = node.Datacenter,
                ["TaggedAddresses"] = NodeTaggedAddresses(node), ["NodeMeta"] = new Dictionary<string, string>(),
                ["ServiceKind"] = spec.Kind, ["ServiceID"] = spec.Id, ["ServiceName"] = spec.Name, ["ServiceTags"] = spec.Tags,
                ["ServiceAddress"] = spec.Address, ["ServiceTaggedAddresses"] = ServiceTaggedAddresses(spec),
                ["ServiceWeights"] = new { Passing = spec.PassingWeight, Warning = spec.WarningWeight },
                ["ServiceMeta"] = spec.Meta, ["ServicePort"] = spec.Port, ["ServiceEnableTagOverride"] = false,
                ["CreateIndex"] = p.Value.CreateIndex, ["ModifyIndex"] = p.Value.ModifyIndex,
            };
        })];

    private static Dictionary<string, object?> RenderNode(FakeNode node) => new()
    {
        ["ID"] = node.Id,
        ["Node"] = node.Name,
        ["Address"] = node.Address,
        ["Datacenter"] = node.Datacenter,
        ["TaggedAddresses"] = NodeTaggedAddresses(node),
        ["Meta"] = node.Meta,
        ["CreateIndex"] = node.CreateIndex,
        ["ModifyIndex"] = node.ModifyIndex,
    };

    private static Dictionary<string, string> NodeTaggedAddresses(FakeNode node) => new()
    {
        ["lan"] = node.Address, ["lan_ipv4"] = node.Address, ["wan"] = node.Address, ["wan_ipv4"] = node.Address,
    };

    private static Dictionary<string, object?> RenderService(FakeService service)
    {
        var spec = service.Spec;
        var result = new Dictionary<string, object?>
        {
            ["ID"] = spec.Id,
            ["Service"] = spec.Name,
            ["Tags"] = spec.Tags,
            ["Address"] = spec.Address,
            ["TaggedAddresses"] = ServiceTaggedAddresses(spec),
            ["Meta"] = spec.Meta,
            ["Port"] = spec.Port,
            ["Weights"] = new { Passing = spec.PassingWeight, Warning = spec.WarningWeight },
            ["EnableTagOverride"] = false,
            ["Proxy"] = new { MeshGateway = new { }, Expose = new { } },
            ["Connect"] = new { },
            ["CreateIndex"] = service.CreateIndex,
            ["ModifyIndex"] = service.ModifyIndex,
        };
        if (spec.Kind.Length > 0)
        {
            result["Kind"] = spec.Kind;
        }

        return result;
    }

    // Go's encoding/json emits the struct field names (Address/Port): the agent's real casing.
    private static Dictionary<string, object> ServiceTaggedAddresses(FakeServiceSpec spec) =>
        spec.TaggedAddresses.ToDictionary(p => p.Key, p => (object)new { p.Value.Address, p.Value.Port });

    private static Dictionary<string, object?> RenderCheck(FakeCheck check, IReadOnlyList<string> serviceTags) => new()
    {
        ["Node"] = check.Node,
        ["CheckID"] = check.CheckId,
        ["Name"] = check.Name,
        ["Status"] = check.Status,
        ["Notes"] = check.Notes,
        ["Output"] = check.Output,
        ["ServiceID"] = check.ServiceId,
        ["ServiceName"] = check.ServiceName,
        ["ServiceTags"] = check.ServiceId.Length == 0 ? [] : serviceTags,
        ["Type"] = check.Type,
        ["Definition"] = new { },
        ["CreateIndex"] = check.CreateIndex,
        ["ModifyIndex"] = check.ModifyIndex,
    };
}
