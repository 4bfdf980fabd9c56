using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Registry.Adapters.Kubernetes.Tests.Istio;

namespace Registry.Adapters.Kubernetes.Tests;

/// <summary>
/// The fake's single-object verbs with the API server's semantics: get; create (409 AlreadyExists); update with a
/// <c>resourceVersion</c> precondition (409 Conflict, "the object has been modified"); delete with
/// <c>preconditions.resourceVersion</c> (409) returning a Success Status; server-side apply
/// (<c>application/apply-patch+yaml</c>, <c>fieldManager</c> required, <c>force</c>, 409 with
/// <c>FieldManagerConflict</c> causes, <c>managedFields</c>); merge patch; no-op writes keep the resourceVersion and
/// send no event; Istio custom resources validated by their CRD rules (422 Invalid).
/// </summary>
public sealed partial class FakeKubeApiServer
{
    /// <summary>Reads one object (a copy), or null.</summary>
    public JsonObject? GetObject(string resource, string ns, string name)
    {
        lock (_store.Gate)
        {
            return Current(resource, $"{ns}/{name}")?.DeepClone().AsObject();
        }
    }

    /// <summary>Every object of a resource now (copies), ordered by namespace/name.</summary>
    public List<JsonObject> Objects(string resource)
    {
        lock (_store.Gate)
        {
            return [.. _store.StateAt(resource, _store.Revision).Select(static p => p.Item.DeepClone().AsObject())];
        }
    }

    private JsonObject? Current(string resource, string key) =>
        _store.StateAt(resource, _store.Revision).FirstOrDefault(p => p.Key == key).Item;

    private async Task HandleWriteAsync(HttpContext context, string verb, Route route)
    {
        var info = route.Resource;
        if (route.Namespace is null)
        {
            await WriteStatusAsync(context, 405, "MethodNotAllowed", "the server does not allow this method on the requested resource");
            return;
        }

        JsonObject? body = null;
        if (verb is "create" or "update" or "patch" or "delete")
        {
            using var reader = new StreamReader(context.Request.Body);
            var text = await reader.ReadToEndAsync(context.RequestAborted);
            if (text.Length > 0 || verb != "delete")
            {
                try
                {
                    body = (context.Request.ContentType ?? string.Empty).StartsWith("application/apply-patch+yaml", StringComparison.Ordinal)
                        ? FakeKubeYaml.Parse(text)
                        : JsonNode.Parse(text) as JsonObject;
                }
                catch (Exception ex) when (ex is JsonException or YamlDotNet.Core.YamlException or InvalidOperationException)
                {
                    body = null;
                }

                if (body is null)
                {
                    await WriteStatusAsync(context, 400, "BadRequest", "the body of the request was in an unknown format");
                    return;
                }
            }
        }

        var (code, result) = Write(context, verb, route, body);
        await WriteJsonAsync(context, code, result.ToJsonString());
    }

    private (int Code, JsonObject Body) Write(HttpContext context, string verb, Route route, JsonObject? body)
    {
        var info = route.Resource;
        var query = context.Request.Query;
        var manager = query["fieldManager"].ToString();
        if (manager.Length == 0)
        {
            // The API server names an unnamed manager after the user agent's product token.
            manager = context.Request.Headers.UserAgent.ToString().Split('/', ' ')[0] is { Length: > 0 } agent ? agent : "unknown";
        }

        lock (_store.Gate)
        {
            var name = route.Name ?? body?["metadata"]?["name"]?.GetValue<string>();
            if (verb == "create" && name is null && body?["metadata"]?["generateName"]?.GetValue<string>() is { } prefix)
            {
                name = prefix + Guid.NewGuid().ToString("N")[..5];
                body!["metadata"]!["name"] = name;
            }

            if (string.IsNullOrEmpty(name))
            {
                return (422, Invalid(info, "", [("metadata.name", "Required value: name or generateName is required")]));
            }

            var key = $"{route.Namespace}/{name}";
            var live = Current(info.Resource, key);
            switch (verb)
            {
                case "get":
                    return live is null ? (404, NotFound(info, name)) : (200, live.DeepClone().AsObject());
                case "delete":
                    return DeleteObject(info, key, name, live, body);
            }

            if (body!["metadata"] is not JsonObject metadata)
            {
                metadata = [];
                body["metadata"] = metadata;
            }

            if (route.Name is not null && metadata["name"]?.GetValue<string>() is { } bodyName && bodyName != route.Name)
            {
                return (400, Status(400, "BadRequest", $"the name of the object ({bodyName}) does not match the name on the URL ({route.Name})"));
            }

            if (metadata["namespace"]?.GetValue<string>() is { } bodyNs && bodyNs != route.Namespace)
            {
                return (400, Status(400, "BadRequest", "the namespace of the provided object does not match the namespace sent on the request"));
            }

            metadata["name"] = name;
            metadata["namespace"] = route.Namespace;
            var owners = _owners.TryGetValue(info.Resource + "/" + key, out var o) ? o : new FakeKubeFieldOwners();
            JsonObject next;
            var created = live is null;
            switch (verb)
            {
                case "create":
                    if (live is not null)
                    {
                        return (409, Status(409, "AlreadyExists", $"{info.Qualified} \"{name}\" already exists", Details(info, name)));
                    }

                    next = Strip(body);
                    owners = new FakeKubeFieldOwners();
                    owners.Update(manager, null, next);
                    break;
                case "update":
                    if (live is null)
                    {
                        return (404, NotFound(info, name));
                    }

                    if (metadata["resourceVersion"]?.GetValue<string>() is { Length: > 0 } rv && rv != live["metadata"]!["resourceVersion"]!.GetValue<string>())
                    {
                        return (409, Conflict(info, name, "the object has been modified; please apply your changes to the latest version and try again"));
                    }

                    next = Strip(body);
                    owners.Update(manager, live, next);
                    break;
                case "patch" when (context.Request.ContentType ?? string.Empty).StartsWith("application/apply-patch+yaml", StringComparison.Ordinal):
                    if (query["fieldManager"].ToString().Length == 0)
                    {
                        return (422, Status(422, "Invalid", "PatchOptions.meta.k8s.io \"\" is invalid: fieldManager: Required value: is required for apply patch",
                            new JsonObject { ["group"] = "meta.k8s.io", ["kind"] = "PatchOptions", ["causes"] = new JsonArray(new JsonObject { ["reason"] = "FieldValueRequired", ["message"] = "Required value: is required for apply patch", ["field"] = "fieldManager" }) }));
                    }

                    if (body["apiVersion"]?.GetValue<string>() != info.ApiVersion || body["kind"]?.GetValue<string>() != info.Kind)
                    {
                        return (400, Status(400, "BadRequest", $"the API version in the data ({body["apiVersion"]}) does not match the expected API version ({info.ApiVersion})"));
                    }

                    var applied = Strip(body);
                    if (live is not null && query["force"] != "true" && owners.Conflicts(manager, live, applied) is { Count: > 0 } conflicts)
                    {
                        var causes = new JsonArray();
                        foreach (var (field, other) in conflicts)
                        {
                            causes.Add(new JsonObject
                            {
                                ["reason"] = "FieldManagerConflict",
                                ["message"] = $"conflict with \"{other}\" using {info.ApiVersion}",
                                ["field"] = FakeKubeFieldOwners.Format(field),
                            });
                        }

                        var text = conflicts.Count == 1
                            ? $"Apply failed with 1 conflict: conflict with \"{conflicts[0].Manager}\" using {info.ApiVersion}: {FakeKubeFieldOwners.Format(conflicts[0].Field)}"
                            : $"Apply failed with {conflicts.Count} conflicts: " + string.Join("\n", conflicts.Select(c => $"conflict with \"{c.Manager}\" using {info.ApiVersion}: {FakeKubeFieldOwners.Format(c.Field)}"));
                        var details = Details(info, name);
                        details["causes"] = causes;
                        return (409, Status(409, "Conflict", text, details));
                    }

                    next = owners.Apply(manager, live is null ? null : Strip(live.DeepClone().AsObject()), applied, query["force"] == "true");
                    next["apiVersion"] = info.ApiVersion;
                    next["kind"] = info.Kind;
                    break;
                case "patch" when (context.Request.ContentType ?? string.Empty).StartsWith("application/merge-patch+json", StringComparison.Ordinal):
                    if (live is null)
                    {
                        return (404, NotFound(info, name));
                    }

                    next = MergePatch(Strip(live.DeepClone().AsObject()), body)!.AsObject();
                    owners.Update(manager, live, next);
                    break;
                default:
                    return (415, Status(415, "UnsupportedMediaType", $"the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml"));
            }

            next["apiVersion"] = info.ApiVersion;
            next["kind"] = info.Kind;
            if (next["metadata"] is not JsonObject nextMetadata)
            {
                nextMetadata = [];
                next["metadata"] = nextMetadata;
            }

            nextMetadata["name"] = name;
            nextMetadata["namespace"] = route.Namespace;
            if (info == FakeKubeResource.Services && ServiceDefaults(next, live) is { } immutable)
            {
                return (422, Invalid(info, name, [immutable]));
            }

            if (Validate(info, next) is { Count: > 0 } errors)
            {
                return (422, Invalid(info, name, errors));
            }

            if (live is not null)
            {
                // Server-owned fields and the status (a subresource) survive writes to the main resource.
                foreach (var field in new[] { "uid", "creationTimestamp" })
                {
                    nextMetadata[field] = live["metadata"]![field]?.DeepClone();
                }

                if (live["status"] is { } status)
                {
                    next["status"] = status.DeepClone();
                }
            }

            nextMetadata["managedFields"] = owners.Render(info.ApiVersion);
            if (live is not null && SameContent(live, next))
            {
                // A no-op write is not stored: the resourceVersion stays, watchers see nothing.
                return (200, live.DeepClone().AsObject());
            }

            _owners[info.Resource + "/" + key] = owners;
            Publish(_store.Put(info.Resource, next));
            return (created ? 201 : 200, next.DeepClone().AsObject());
        }
    }

    private (int, JsonObject) DeleteObject(FakeKubeResource info, string key, string name, JsonObject? live, JsonObject? options)
    {
        if (live is null)
        {
            return (404, NotFound(info, name));
        }

        var rv = live["metadata"]!["resourceVersion"]!.GetValue<string>();
        if (options?["preconditions"]?["resourceVersion"]?.GetValue<string>() is { } wanted && wanted != rv)
        {
            return (409, Conflict(info, name, $"Precondition failed: ResourceVersion in precondition: {wanted}, ResourceVersion in object meta: {rv}"));
        }

        var uid = live["metadata"]!["uid"]?.GetValue<string>();
        if (options?["preconditions"]?["uid"]?.GetValue<string>() is { } wantedUid && wantedUid != uid)
        {
            return (409, Conflict(info, name, $"Precondition failed: UID in precondition: {wantedUid}, UID in object meta: {uid}"));
        }

        _owners.Remove(info.Resource + "/" + key);
        Publish(_store.Delete(info.Resource, key)!);
        if (info == FakeKubeResource.Services)
        {
            // The core Service registry returns the deleted object; the generic registries return a Success Status.
            return (200, live.DeepClone().AsObject());
        }

        var details = Details(info, name);
        details["uid"] = uid;
        var status = Status(200, "", "", details);
        status["status"] = "Success";
        status.Remove("message");
        status.Remove("reason");
        return (200, status);
    }

    private static JsonObject Strip(JsonObject obj)
    {
        var copy = obj.DeepClone().AsObject();
        if (copy["metadata"] is JsonObject metadata)
        {
            foreach (var field in new[] { "resourceVersion", "uid", "creationTimestamp", "generation", "managedFields" })
            {
                metadata.Remove(field);
            }
        }

        copy.Remove("status");
        return copy;
    }

    private static bool SameContent(JsonObject live, JsonObject next)
    {
        var a = live.DeepClone().AsObject();
        var b = next.DeepClone().AsObject();
        foreach (var obj in new[] { a, b })
        {
            var metadata = obj["metadata"]!.AsObject();
            metadata.Remove("resourceVersion");
            metadata.Remove("generation");
            metadata.Remove("uid");
            metadata.Remove("creationTimestamp");
        }

        return JsonNode.DeepEquals(a, b);
    }

    private static JsonNode? MergePatch(JsonNode? target, JsonNode? patch)
    {
        if (patch is not JsonObject patchObject)
        {
            return patch?.DeepClone();
        }

        var result = target as JsonObject ?? [];
        foreach (var (key, value) in patchObject)
        {
            if (value is null)
            {
                result.Remove(key);
            }
            else
            {
                result[key] = MergePatch(result[key]?.DeepClone(), value);
            }
        }

        return result;
    }

    private static List<(string Field, string Message)> Validate(FakeKubeResource info, JsonObject obj)
    {
        var errors = new List<(string, string)>();
        var labels = obj["metadata"]?["labels"] as JsonObject;
        if (labels is not null)
        {
            var labelErrors = new List<string>();
            IstioCrdRules.ValidateLabels(labels, "metadata.labels", labelErrors);
            errors.AddRange(labelErrors.Select(static e => ("metadata.labels", e)));
        }

        if (info.IsCustom)
        {
            errors.AddRange(IstioCrdRules.Validate(obj).Select(static e => (e.Split(':')[0], e)));
        }
        else if (info == FakeKubeResource.EndpointSlices)
        {
            if (obj["addressType"]?.GetValue<string>() is not ("IPv4" or "IPv6" or "FQDN"))
            {
                errors.Add(("addressType", "Unsupported value: supported values: \"IPv4\", \"IPv6\", \"FQDN\""));
            }

            if (obj["endpoints"] is JsonArray { Count: > 1000 })
            {
                errors.Add(("endpoints", "Too many: must have at most 1000 items"));
            }
        }
        else if (info == FakeKubeResource.Services && obj["spec"]?["ports"] is JsonArray ports)
        {
            var names = new HashSet<string>(StringComparer.Ordinal);
            var numbers = new HashSet<(int, string)>();
            for (var i = 0; i < ports.Count; i++)
            {
                if (ports[i]?["port"] is not JsonValue port || !long.TryParse(port.ToJsonString(), CultureInfo.InvariantCulture, out var number) || number is < 1 or > 65535)
                {
                    errors.Add(($"spec.ports[{i}].port", "Invalid value: must be between 1 and 65535, inclusive"));
                }
                else if (!numbers.Add(((int)number, ports[i]?["protocol"]?.GetValue<string>() ?? "TCP")))
                {
                    errors.Add(($"spec.ports[{i}]", "Duplicate value: port and protocol"));
                }

                var portName = ports[i]?["name"]?.GetValue<string>() ?? string.Empty;
                if (ports.Count > 1 && portName.Length == 0)
                {
                    errors.Add(($"spec.ports[{i}].name", "Required value"));
                }
                else if (portName.Length > 0 && (!Registry.Adapters.Kubernetes.Istio.KubernetesNames.IsDns1123Label(portName) || !names.Add(portName)))
                {
                    errors.Add(($"spec.ports[{i}].name", $"Invalid value: \"{portName}\": a DNS-1123 label, unique within the Service"));
                }
            }
        }

        return errors;
    }

    /// <summary>
    /// The Service registry's defaulting: <c>type</c> ClusterIP, a cluster IP allocated once and then immutable,
    /// <c>sessionAffinity</c>, <c>internalTrafficPolicy</c>, IP families, and per port <c>protocol</c> TCP and
    /// <c>targetPort</c> = <c>port</c>. The fields appear in the stored object without any manager owning them.
    /// </summary>
    private (string, string)? ServiceDefaults(JsonObject next, JsonObject? live)
    {
        if (next["spec"] is not JsonObject spec)
        {
            spec = [];
            next["spec"] = spec;
        }

        spec["type"] ??= "ClusterIP";
        var liveIp = live?["spec"]?["clusterIP"]?.GetValue<string>();
        if (spec["type"]!.GetValue<string>() != "ExternalName")
        {
            if (spec["clusterIP"]?.GetValue<string>() is { } wanted && liveIp is not null && wanted != liveIp)
            {
                return ("spec.clusterIP", "Invalid value: field is immutable");
            }

            var ip = liveIp ?? spec["clusterIP"]?.GetValue<string>() ?? $"10.96.{(_nextClusterIp / 250) % 250}.{(_nextClusterIp++ % 250) + 1}";
            spec["clusterIP"] = ip;
            spec["clusterIPs"] = new JsonArray(ip);
            spec["ipFamilies"] ??= new JsonArray("IPv4");
            spec["ipFamilyPolicy"] ??= "SingleStack";
            spec["internalTrafficPolicy"] ??= "Cluster";
        }

        spec["sessionAffinity"] ??= "None";
        foreach (var port in (spec["ports"] as JsonArray ?? []).OfType<JsonObject>())
        {
            port["protocol"] ??= "TCP";
            port["targetPort"] ??= port["port"]?.DeepClone();
        }

        return null;
    }

    private static JsonObject Details(FakeKubeResource info, string name) => new()
    {
        ["name"] = name,
        ["group"] = info.Group,
        ["kind"] = info.Resource,
    };

    private static JsonObject NotFound(FakeKubeResource info, string name) =>
        Status(404, "NotFound", $"{info.Qualified} \"{name}\" not found", Details(info, name));

    private static JsonObject Conflict(FakeKubeResource info, string name, string why) =>
        Status(409, "Conflict", $"Operation cannot be fulfilled on {info.Qualified} \"{name}\": {why}", Details(info, name));

    private static JsonObject Invalid(FakeKubeResource info, string name, IEnumerable<(string Field, string Message)> errors)
    {
        var list = errors.ToList();
        var details = Details(info, name);
        details["kind"] = info.Kind;
        details["causes"] = new JsonArray([.. list.Select(e => (JsonNode)new JsonObject { ["reason"] = "FieldValueInvalid", ["message"] = e.Message, ["field"] = e.Field })]);
        return Status(422, "Invalid", $"{info.Kind} \"{name}\" is invalid: " + string.Join(", ", list.Select(static e => e.Message)), details);
    }

    internal static JsonObject Status(int code, string reason, string message, JsonObject details)
    {
        var status = Status(code, reason, message);
        status["details"] = details;
        return status;
    }

    internal static string Format(long value) => value.ToString(CultureInfo.InvariantCulture);
}
