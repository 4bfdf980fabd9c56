using System.Collections.Frozen;
using System.Globalization;
using System.Text.Json;
using Registry.Adapters.Consul.Client;

namespace Registry.Adapters.Consul;

/// <summary>Turns Consul's JSON into validated <see cref="ServiceInstance"/>s; a bad record is skipped and reported, its neighbours kept.</summary>
internal sealed class ConsulMapper
{
    private readonly ConsulSettings _settings;

    public ConsulMapper(ConsulSettings settings) => _settings = settings;

    /// <summary>The services of <c>/v1/catalog/services</c> worth watching: valid names whose tags can match the tag filter.</summary>
    /// <exception cref="RegistryException">The body is not a JSON object.</exception>
    public (IReadOnlyList<string> Names, IReadOnlyList<SkippedRecord> Skipped) ParseCatalog(byte[] body)
    {
        using var document = Parse(body, "/v1/catalog/services");
        if (document.RootElement.ValueKind != JsonValueKind.Object)
        {
            throw new RegistryException($"/v1/catalog/services returned {document.RootElement.ValueKind}, not an object");
        }

        var names = new List<string>();
        var skipped = new List<SkippedRecord>();
        foreach (var property in document.RootElement.EnumerateObject())
        {
            if (ServiceInstanceValidator.ValidateServiceName(property.Name) is { } error)
            {
                skipped.Add(new SkippedRecord($"service {ServiceInstanceValidator.Printable(property.Name)}", error));
                continue;
            }

            if (_settings.TagFilter.Count > 0 && !HasAllTags(property.Value))
            {
                continue;
            }

            names.Add(property.Name);
        }

        names.Sort(StringComparer.Ordinal);
        return (names, skipped);
    }

    /// <summary>The instances of one service from <c>/v1/health/service/:name</c>, sorted by id.</summary>
    /// <exception cref="RegistryException">The body is not a JSON array.</exception>
    public (IReadOnlyList<ServiceInstance> Instances, IReadOnlyList<SkippedRecord> Skipped) ParseHealth(string service, byte[] body)
    {
        using var document = Parse(body, "/v1/health/service");
        if (document.RootElement.ValueKind != JsonValueKind.Array)
        {
            throw new RegistryException($"/v1/health/service/{service} returned {document.RootElement.ValueKind}, not an array");
        }

        var skipped = new List<SkippedRecord>();
        var entries = new List<ConsulServiceEntry>();
        var position = 0;
        foreach (var element in document.RootElement.EnumerateArray())
        {
            try
            {
                if (element.Deserialize(ConsulJsonContext.Default.ConsulServiceEntry) is { } entry)
                {
                    entries.Add(entry);
                }
            }
            catch (JsonException ex)
            {
                skipped.Add(new SkippedRecord($"{service}[{position.ToString(CultureInfo.InvariantCulture)}]", "malformed entry: " + ServiceInstanceValidator.Printable(ex.Message, 160)));
            }

            position++;
        }

        var ids = entries.GroupBy(e => e.Service is { } svc ? InstanceId(service, svc) : string.Empty, StringComparer.Ordinal).Where(static g => g.Count() > 1).Select(static g => g.Key).ToHashSet(StringComparer.Ordinal);
        var instances = new List<ServiceInstance>(entries.Count);
        foreach (var entry in entries)
        {
            var (instance, reason) = Map(service, entry, ids);
            if (reason is not null)
            {
                skipped.Add(new SkippedRecord($"{service}/{ServiceInstanceValidator.Printable(entry.Service?.ID)}", reason));
            }
            else if (instance is not null)
            {
                instances.Add(instance);
            }
        }

        instances.Sort(static (a, b) => string.CompareOrdinal(a.Id, b.Id));
        return (instances, skipped);
    }

    /// <summary>
    /// The Consul service id a sync writes a mirrored instance under: <c>{service}:{id}</c>, since service ids are
    /// unique per node and one sync node carries every mirrored service (one pod behind two Kubernetes Services has
    /// one instance id in both).
    /// </summary>
    public static string MirroredServiceId(string service, string instanceId) => service + ":" + instanceId;

    /// <summary>The instance id of a Consul service: its <c>ID</c>, or for a record a sync wrote, the id it mirrors.</summary>
    public static string InstanceId(string service, ConsulAgentService svc)
    {
        var id = svc.ID ?? string.Empty;
        return svc.Meta is { } meta && meta.ContainsKey(SyncMetadata.SyncIdKey)
            && id.Length > service.Length + 1 && id.StartsWith(service, StringComparison.Ordinal) && id[service.Length] == ':'
            ? id[(service.Length + 1)..]
            : id;
    }

    /// <summary>Maps one entry as the reader does (no duplicate-id handling); <c>(null, null)</c> when the registry's filters hide it.</summary>
    public (ServiceInstance? Instance, string? Reason) MapEntry(string service, ConsulServiceEntry entry) => Map(service, entry, []);

    private (ServiceInstance? Instance, string? Reason) Map(string service, ConsulServiceEntry entry, HashSet<string> duplicateIds)
    {
        var svc = entry.Service;
        if (svc is null)
        {
            return (null, "entry has no Service");
        }

        if (!_settings.IncludeProxies && !string.IsNullOrEmpty(svc.Kind))
        {
            return (null, null);
        }

        if (_settings.TagFilter.Count > 0 && !_settings.TagFilter.All(t => svc.Tags?.Contains(t, StringComparer.Ordinal) == true))
        {
            return (null, null);
        }

        var node = entry.Node;
        var host = !string.IsNullOrEmpty(svc.Address) ? svc.Address : node?.Address;
        if (svc.Port is < 0 or > ServicePort.MaxPort)
        {
            return (null, $"port {svc.Port.ToString(CultureInfo.InvariantCulture)} is out of range {ServicePort.MinPort}-{ServicePort.MaxPort}");
        }

        var meta = svc.Meta ?? [];
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, value) in meta)
        {
            if (value is not null)
            {
                metadata[key] = value;
            }
        }

        AddIfSet(metadata, "consul.node", node?.Node);
        AddIfSet(metadata, "consul.datacenter", node?.Datacenter ?? svc.Datacenter);
        AddIfSet(metadata, "consul.namespace", svc.Namespace);
        AddIfSet(metadata, "consul.partition", svc.Partition);
        if (svc.Weights is { } weights)
        {
            metadata["consul.weights.passing"] = weights.Passing.ToString(CultureInfo.InvariantCulture);
            metadata["consul.weights.warning"] = weights.Warning.ToString(CultureInfo.InvariantCulture);
        }

        foreach (var (key, address) in svc.TaggedAddresses ?? [])
        {
            if (address?.Address is { Length: > 0 } tagged && address.Port is > 0 and <= ServicePort.MaxPort)
            {
                metadata["consul.tagged." + key] = tagged.Contains(':', StringComparison.Ordinal)
                    ? $"[{tagged}]:{address.Port.ToString(CultureInfo.InvariantCulture)}"
                    : $"{tagged}:{address.Port.ToString(CultureInfo.InvariantCulture)}";
            }
        }

        var id = InstanceId(service, svc);
        if (duplicateIds.Contains(id) && node?.Node is { Length: > 0 } nodeName)
        {
            // Service ids are unique per agent, not per datacenter: the node tells same-id instances apart.
            id = $"{id}@{nodeName}";
        }

        var instance = new ServiceInstance
        {
            Service = service,
            Id = id,
            Host = host ?? string.Empty,
            Ports = svc.Port == 0 ? [] : [new ServicePort(_settings.PortName, (int)svc.Port, Protocol(meta))],
            Health = ConsulHealth.Map(entry.Checks),
            Zone = meta.TryGetValue(_settings.ZoneMetaKey, out var zone) && !string.IsNullOrEmpty(zone) ? zone : null,
            Tags = svc.Tags is { Count: > 0 } tags ? [.. tags.Where(static t => t is not null)] : [],
            Metadata = metadata.ToFrozenDictionary(StringComparer.Ordinal),
        };

        return ServiceInstanceValidator.Validate(instance) is { } error ? (null, error) : (instance, null);
    }

    private string Protocol(Dictionary<string, string> meta)
    {
        if (meta.TryGetValue(_settings.ProtocolMetaKey, out var scheme) && ServiceInstanceValidator.ValidateServiceName(scheme) is null && scheme.Length <= 32)
        {
            return scheme.ToLowerInvariant();
        }

        return meta.TryGetValue("secure", out var secure) && string.Equals(secure, "true", StringComparison.OrdinalIgnoreCase)
            ? "https"
            : _settings.DefaultProtocol;
    }

    private bool HasAllTags(JsonElement tags)
    {
        if (tags.ValueKind != JsonValueKind.Array)
        {
            return false;
        }

        var present = new HashSet<string>(StringComparer.Ordinal);
        foreach (var tag in tags.EnumerateArray())
        {
            if (tag.ValueKind == JsonValueKind.String)
            {
                present.Add(tag.GetString()!);
            }
        }

        return _settings.TagFilter.All(present.Contains);
    }

    private static void AddIfSet(Dictionary<string, string> metadata, string key, string? value)
    {
        if (!string.IsNullOrEmpty(value))
        {
            metadata[key] = value;
        }
    }

    private static JsonDocument Parse(byte[] body, string what)
    {
        try
        {
            return JsonDocument.Parse(body, new JsonDocumentOptions { MaxDepth = 64 });
        }
        catch (JsonException ex)
        {
            throw new RegistryException($"{what} returned malformed JSON: {ServiceInstanceValidator.Printable(ex.Message, 160)}", ex);
        }
    }
}
