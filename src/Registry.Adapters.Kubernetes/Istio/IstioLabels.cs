using System.Text.Json.Nodes;

namespace Registry.Adapters.Kubernetes.Istio;

/// <summary>Endpoint labels from an instance's metadata and tags: only valid keys and values, never the ownership vocabulary.</summary>
internal static class IstioLabels
{
    /// <summary>The CRD's <c>maxProperties</c> of an endpoint's <c>labels</c>.</summary>
    public const int MaxLabels = 256;

    /// <summary>The prefix of labels made from plain tags (<c>primary</c> → <c>tag.registry-adapters.io/primary: "true"</c>).</summary>
    public const string TagPrefix = "tag.registry-adapters.io/";

    /// <summary>The labels of one endpoint, sorted; invalid ones are reported. <paramref name="selector"/> is the workload-selector value of a standalone WorkloadEntry.</summary>
    public static JsonObject For(MeshInstance item, string service, List<IstioSkip> skipped, string? selector)
    {
        var instance = item.Instance;
        var labels = new SortedDictionary<string, string>(StringComparer.Ordinal);
        var what = $"instance {item.Registry}/{instance.Id}";
        foreach (var (key, value) in instance.Metadata.OrderBy(static m => m.Key, StringComparer.Ordinal))
        {
            Add(labels, key, value, service, what, skipped);
        }

        foreach (var tag in instance.Tags)
        {
            var eq = tag.IndexOf('=', StringComparison.Ordinal);
            if (eq > 0)
            {
                Add(labels, tag[..eq], tag[(eq + 1)..], service, what, skipped);
            }
            else
            {
                Add(labels, TagPrefix + tag, "true", service, what, skipped);
            }
        }

        if (KubernetesNames.IsLabelValue(item.Registry))
        {
            labels[KubernetesOwnership.RegistryLabel] = item.Registry;
        }

        if (selector is not null)
        {
            labels[KubernetesOwnership.ServiceLabel] = selector;
        }

        if (instance.Health != HealthStatus.Healthy)
        {
            labels[KubernetesOwnership.HealthLabel] = instance.Health.ToString().ToLowerInvariant();
        }

        var json = new JsonObject();
        foreach (var (key, value) in labels)
        {
            json[key] = value;
        }

        return json;
    }

    private static void Add(SortedDictionary<string, string> labels, string key, string value, string service, string what, List<IstioSkip> skipped)
    {
        if (KubernetesOwnership.IsReserved(key) || key.StartsWith(TagPrefix, StringComparison.Ordinal) && labels.ContainsKey(key))
        {
            return;
        }

        if (!KubernetesNames.IsQualifiedName(key))
        {
            skipped.Add(new IstioSkip(service, what, $"label key '{ServiceInstanceValidator.Printable(key, 64)}' is not a valid Kubernetes label key"));
            return;
        }

        if (!KubernetesNames.IsLabelValue(value))
        {
            skipped.Add(new IstioSkip(service, what, $"label '{key}': value '{ServiceInstanceValidator.Printable(value, 64)}' is not a valid Kubernetes label value"));
            return;
        }

        if (labels.Count >= MaxLabels - 3)
        {
            skipped.Add(new IstioSkip(service, what, $"label '{key}': an endpoint holds at most {MaxLabels} labels"));
            return;
        }

        labels.TryAdd(key, value);
    }
}
