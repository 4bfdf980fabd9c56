using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Registry.Adapters.Kubernetes.Tests.Istio;

/// <summary>
/// The validation the API server applies to <c>networking.istio.io/v1</c> ServiceEntry and WorkloadEntry objects, written
/// from the CRDs' OpenAPI schemas and <c>x-kubernetes-validations</c> CEL rules in istio/api
/// <c>kubernetes/customresourcedefinitions.gen.yaml</c> (field limits, enums, list-map keys) and apimachinery's object-meta
/// rules (DNS-1123 names, qualified label keys and label values). Unknown fields are reported too, as
/// <c>fieldValidation=Strict</c> does. Returns the API server's <c>field: message</c> causes; empty means valid.
/// </summary>
public static partial class IstioCrdRules
{
    private static readonly string[] SpecFields = ["hosts", "addresses", "ports", "location", "resolution", "endpoints", "workloadSelector", "exportTo", "subjectAltNames"];
    private static readonly string[] EndpointFields = ["address", "ports", "labels", "network", "locality", "weight", "serviceAccount"];
    private static readonly string[] PortFields = ["number", "protocol", "name", "targetPort"];

    public static List<string> Validate(JsonObject original)
    {
        // Validate what goes on the wire, as the server does.
        var obj = JsonNode.Parse(original.ToJsonString())!.AsObject();
        var errors = new List<string>();
        var kind = obj["kind"]?.GetValue<string>();
        if (obj["apiVersion"]?.GetValue<string>() != "networking.istio.io/v1")
        {
            errors.Add("apiVersion: must be networking.istio.io/v1");
        }

        ValidateMetadata(obj["metadata"] as JsonObject, errors);
        if (obj["spec"] is not JsonObject spec)
        {
            errors.Add("spec: Required value");
            return errors;
        }

        switch (kind)
        {
            case "ServiceEntry":
                ValidateServiceEntry(spec, errors);
                break;
            case "WorkloadEntry":
                ValidateWorkloadEntry(spec, "spec", errors);
                break;
            default:
                errors.Add($"kind: unknown kind {kind}");
                break;
        }

        return errors;
    }

    private static void ValidateMetadata(JsonObject? metadata, List<string> errors)
    {
        var name = metadata?["name"]?.GetValue<string>();
        if (!IsDns1123Subdomain(name))
        {
            errors.Add($"metadata.name: Invalid value: \"{name}\": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.'");
        }

        if (metadata?["namespace"] is JsonValue ns && !IsDns1123Label(ns.GetValue<string>()))
        {
            errors.Add("metadata.namespace: Invalid value");
        }

        if (metadata?["labels"] is JsonObject labels)
        {
            ValidateLabels(labels, "metadata.labels", errors);
        }
    }

    private static void ValidateServiceEntry(JsonObject spec, List<string> errors)
    {
        Unknown(spec, SpecFields, "spec", errors);
        if (spec["hosts"] is not JsonArray hosts || hosts.Count == 0)
        {
            errors.Add("spec.hosts: Required value");
        }
        else
        {
            if (hosts.Count > 256)
            {
                errors.Add("spec.hosts: Too many: must have at most 256 items");
            }

            foreach (var host in hosts)
            {
                if (host?.GetValue<string>() == "*")
                {
                    errors.Add("spec.hosts[]: Invalid value: hostname cannot be wildcard");
                }
            }
        }

        var addresses = spec["addresses"] as JsonArray ?? [];
        if (addresses.Count > 256 || addresses.Any(a => a!.GetValue<string>().Length > 64))
        {
            errors.Add("spec.addresses: too many or too long");
        }

        if (spec["ports"] is JsonArray ports)
        {
            if (ports.Count > 256)
            {
                errors.Add("spec.ports: Too many: must have at most 256 items");
            }

            var names = new HashSet<string>(StringComparer.Ordinal);
            var numbers = new List<long>();
            for (var i = 0; i < ports.Count; i++)
            {
                var port = (JsonObject)ports[i]!;
                Unknown(port, PortFields, $"spec.ports[{i}]", errors);
                var name = port["name"]?.GetValue<string>();
                if (name is null)
                {
                    errors.Add($"spec.ports[{i}].name: Required value");
                }
                else if (name.Length > 256)
                {
                    errors.Add($"spec.ports[{i}].name: Too long");
                }
                else if (!names.Add(name))
                {
                    errors.Add($"spec.ports[{i}]: Duplicate value: map key name={name}");
                }

                if (port["number"] is not JsonValue number)
                {
                    errors.Add($"spec.ports[{i}].number: Required value");
                }
                else
                {
                    var n = number.GetValue<long>();
                    numbers.Add(n);
                    if (n is <= 0 or > 65535)
                    {
                        errors.Add($"spec.ports[{i}].number: port must be between 1-65535");
                    }
                }

                if (port["targetPort"] is JsonValue target && target.GetValue<long>() is <= 0 or > 65535)
                {
                    errors.Add($"spec.ports[{i}].targetPort: port must be between 1-65535");
                }

                if (port["protocol"]?.GetValue<string>() is { Length: > 256 })
                {
                    errors.Add($"spec.ports[{i}].protocol: Too long");
                }
            }

            if (numbers.Count != numbers.Distinct().Count())
            {
                errors.Add("spec.ports: Invalid value: port number cannot be duplicated");
            }
        }

        var location = spec["location"]?.GetValue<string>();
        if (location is not null and not "MESH_EXTERNAL" and not "MESH_INTERNAL")
        {
            errors.Add($"spec.location: Unsupported value: \"{location}\"");
        }

        var resolution = spec["resolution"]?.GetValue<string>();
        if (resolution is not null and not "NONE" and not "STATIC" and not "DNS" and not "DNS_ROUND_ROBIN" and not "DYNAMIC_DNS")
        {
            errors.Add($"spec.resolution: Unsupported value: \"{resolution}\"");
        }

        var endpoints = spec["endpoints"] as JsonArray;
        if (endpoints is not null)
        {
            if (endpoints.Count > 4096)
            {
                errors.Add("spec.endpoints: Too many: must have at most 4096 items");
            }

            for (var i = 0; i < endpoints.Count; i++)
            {
                ValidateWorkloadEntry((JsonObject)endpoints[i]!, $"spec.endpoints[{i}]", errors);
            }
        }

        if (spec["workloadSelector"] is JsonObject selector)
        {
            Unknown(selector, ["labels"], "spec.workloadSelector", errors);
            var labels = selector["labels"] as JsonObject ?? [];
            if (labels.Count > 256)
            {
                errors.Add("spec.workloadSelector.labels: Too many");
            }

            foreach (var (key, value) in labels)
            {
                var text = value!.GetValue<string>();
                if (text.Length > 63)
                {
                    errors.Add($"spec.workloadSelector.labels[{key}]: Too long");
                }

                if (text.Contains('*', StringComparison.Ordinal))
                {
                    errors.Add($"spec.workloadSelector.labels[{key}]: wildcard is not supported in selector");
                }
            }
        }

        // The spec-level CEL rules.
        if (spec.ContainsKey("workloadSelector") && spec.ContainsKey("endpoints"))
        {
            errors.Add("spec: Invalid value: only one of WorkloadSelector or Endpoints can be set");
        }

        var effective = resolution ?? "NONE";
        if (addresses.Any(a => a!.GetValue<string>().Contains('/', StringComparison.Ordinal)) && effective is not "STATIC" and not "NONE")
        {
            errors.Add("spec: Invalid value: CIDR addresses are allowed only for NONE/STATIC resolution types");
        }

        if (effective == "NONE" && endpoints is not null)
        {
            errors.Add("spec: Invalid value: NONE mode cannot set endpoints");
        }

        if (resolution == "DNS_ROUND_ROBIN" && (endpoints?.Count ?? 0) > 1)
        {
            errors.Add("spec: Invalid value: DNS_ROUND_ROBIN mode cannot have multiple endpoints");
        }
    }

    private static void ValidateWorkloadEntry(JsonObject entry, string path, List<string> errors)
    {
        Unknown(entry, EndpointFields, path, errors);
        var address = entry["address"]?.GetValue<string>();
        if (address is null && entry["network"] is null)
        {
            errors.Add($"{path}: Invalid value: Address is required");
        }

        if (address is not null)
        {
            if (address.Length > 256)
            {
                errors.Add($"{path}.address: Too long: may not be more than 256 bytes");
            }

            if (address.StartsWith("unix://", StringComparison.Ordinal))
            {
                if (address.Length < 8 || address[7] is not ('/' or '@'))
                {
                    errors.Add($"{path}.address: UDS must be an absolute path or abstract socket");
                }

                if (address.EndsWith('/'))
                {
                    errors.Add($"{path}.address: UDS may not be a dir");
                }

                if (entry.ContainsKey("ports"))
                {
                    errors.Add($"{path}: UDS may not include ports");
                }
            }
        }

        if (entry["ports"] is JsonObject ports)
        {
            if (ports.Count > 128)
            {
                errors.Add($"{path}.ports: Too many: must have at most 128 items");
            }

            foreach (var (key, value) in ports)
            {
                if (key.Length >= 63 || !PortName().IsMatch(key))
                {
                    errors.Add($"{path}.ports: Invalid value: port name must be valid ({key})");
                }

                if (value is not JsonValue number || number.GetValueKind() != JsonValueKind.Number || number.GetValue<long>() is <= 0 or > 65535)
                {
                    errors.Add($"{path}.ports[{key}]: port must be between 1-65535");
                }
            }
        }

        if (entry["labels"] is JsonObject labels)
        {
            if (labels.Count > 256)
            {
                errors.Add($"{path}.labels: Too many: must have at most 256 items");
            }

            // Istio validates endpoint labels as Kubernetes labels (pkg/config/labels.Instance.Validate).
            ValidateLabels(labels, $"{path}.labels", errors);
        }

        if (entry["locality"]?.GetValue<string>() is { Length: > 2048 })
        {
            errors.Add($"{path}.locality: Too long");
        }

        if (entry["network"]?.GetValue<string>() is { Length: > 2048 })
        {
            errors.Add($"{path}.network: Too long");
        }

        if (entry["serviceAccount"]?.GetValue<string>() is { Length: > 253 })
        {
            errors.Add($"{path}.serviceAccount: Too long");
        }

        if (entry["weight"] is JsonValue weight && (weight.GetValueKind() != JsonValueKind.Number || weight.GetValue<long>() is < 0 or > uint.MaxValue))
        {
            errors.Add($"{path}.weight: Invalid value");
        }
    }

    public static void ValidateLabels(JsonObject labels, string path, List<string> errors)
    {
        foreach (var (key, value) in labels)
        {
            if (!IsQualifiedName(key))
            {
                errors.Add($"{path}: Invalid value: \"{key}\": name part must consist of alphanumeric characters, '-', '_' or '.'");
            }

            var text = value is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : null;
            if (text is null || (text.Length > 0 && (text.Length > 63 || !LabelValue().IsMatch(text))))
            {
                errors.Add($"{path}: Invalid value: \"{text}\": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.'");
            }
        }
    }

    private static void Unknown(JsonObject obj, string[] known, string path, List<string> errors)
    {
        foreach (var (key, _) in obj)
        {
            if (!known.Contains(key))
            {
                errors.Add($"{path}: unknown field \"{key}\"");
            }
        }
    }

    public static bool IsDns1123Subdomain(string? value) =>
        value is { Length: > 0 and <= 253 } && Subdomain().IsMatch(value);

    public static bool IsDns1123Label(string? value) =>
        value is { Length: > 0 and <= 63 } && Dns1123Label().IsMatch(value);

    public static bool IsQualifiedName(string key)
    {
        var parts = key.Split('/');
        var name = parts[^1];
        return parts.Length <= 2
            && (parts.Length == 1 || IsDns1123Subdomain(parts[0]))
            && name.Length is > 0 and <= 63
            && LabelValue().IsMatch(name);
    }

    internal static string Format(long value) => value.ToString(CultureInfo.InvariantCulture);

    [GeneratedRegex("^[a-zA-Z0-9](?:[-a-zA-Z0-9]*[a-zA-Z0-9])?$")]
    private static partial Regex PortName();

    [GeneratedRegex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")]
    private static partial Regex Subdomain();

    [GeneratedRegex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")]
    private static partial Regex Dns1123Label();

    [GeneratedRegex("^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$")]
    private static partial Regex LabelValue();
}
