using System.Collections.Frozen;
using System.Diagnostics.CodeAnalysis;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using k8s;
using Registry.Adapters.Sync;

namespace Registry.Adapters.Kubernetes.Istio;

/// <summary>
/// The <c>istio</c> sync target: keeps one ServiceEntry (and its WorkloadEntries) per mirrored service in a namespace,
/// through server-side apply with its own field manager and without force, so a field another manager owns is a
/// reported conflict, never overwritten. Only objects labelled with this sync id are changed or deleted; a ServiceEntry
/// of the same name without them is left alone and its service rejected. Each object keeps the instances it was
/// written from and a hash of its content in annotations: identical content is zero requests, a hand edit of an owned
/// object is drift that the next pass repairs.
/// </summary>
public sealed partial class IstioServiceEntryWriter : IServiceRegistryWriter
{
    /// <summary>The field manager of every apply.</summary>
    public const string FieldManager = "mesh-sync";

    private const string Group = "networking.istio.io";
    private const string Version = "v1";
    private const string ServiceEntries = "serviceentries";
    private const string WorkloadEntries = "workloadentries";

    private readonly Func<IKubernetes> _clientFactory;
    private readonly IstioMappingOptions _options;
    private readonly string _namespace;
    private Dictionary<string, OwnedService> _owned = new(StringComparer.Ordinal);

    /// <summary>Creates the writer.</summary>
    /// <param name="name">The target's registry name.</param>
    /// <param name="client">The API client.</param>
    /// <param name="options">The mapping; <see cref="IstioMappingOptions.Namespace"/> is required (the sync id comes from each batch).</param>
    public IstioServiceEntryWriter(string name, IKubernetes client, IstioMappingOptions options)
        : this(name, ClientOf(client), options)
    {
    }

    /// <summary>Creates the writer of a Kubernetes registry, on its client (created on first use; a failure is the registry's error).</summary>
    internal IstioServiceEntryWriter(string name, Func<IKubernetes> client, IstioMappingOptions options)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrEmpty(options.Namespace);
        Name = name;
        _clientFactory = client;
        _options = options;
        _namespace = options.Namespace;
    }

    /// <inheritdoc />
    public string Name { get; }

    private IKubernetes Client => _clientFactory();

    /// <inheritdoc />
    public string Kind => "istio";

    private static Func<IKubernetes> ClientOf(IKubernetes client)
    {
        ArgumentNullException.ThrowIfNull(client);
        return () => client;
    }

    private sealed record OwnedObject(string Plural, string Name, string Hash, bool Drifted);

    private sealed record OwnedService(List<OwnedObject> Objects, List<ServiceInstance> Instances);

    /// <inheritdoc />
    public bool TryNormalize(ServiceInstance desired, [NotNullWhen(true)] out ServiceInstance? stored, [NotNullWhen(false)] out string? reason)
    {
        ArgumentNullException.ThrowIfNull(desired);
        stored = null;
        var isIp = IPAddress.TryParse(desired.Host, out var ip) && !desired.Host.Contains('%', StringComparison.Ordinal)
            && string.Equals(ip.ToString(), desired.Host, StringComparison.OrdinalIgnoreCase);
        var host = isIp ? desired.Host : desired.Host.ToLowerInvariant();
        if (!isIp && !KubernetesNames.IsDns1123Subdomain(host))
        {
            reason = $"address '{ServiceInstanceValidator.Printable(desired.Host, 64)}' is neither an IP address nor a DNS-1123 host name";
            return false;
        }

        if (!KubernetesNames.IsDns1123Subdomain(ServiceEntryMapper.Host(_options.HostTemplate, desired.Service)))
        {
            reason = $"service '{ServiceInstanceValidator.Printable(desired.Service, 64)}' gives no DNS-1123 host";
            return false;
        }

        stored = desired with { Host = host };
        reason = null;
        return true;
    }

    /// <inheritdoc />
    public async Task<OwnedRecords> ListOwnedAsync(string syncId, CancellationToken cancellationToken = default)
    {
        if (SyncMetadata.ValidateSyncId(syncId) is { } error)
        {
            throw new ArgumentException(error, nameof(syncId));
        }

        var owned = new Dictionary<string, OwnedService>(StringComparer.Ordinal);
        foreach (var plural in new[] { ServiceEntries, WorkloadEntries })
        {
            foreach (var item in await ListAsync(plural, syncId, cancellationToken).ConfigureAwait(false))
            {
                var metadata = item["metadata"]!.AsObject();
                var annotations = metadata["annotations"] as JsonObject;
                var service = annotations?[KubernetesOwnership.ServiceAnnotation]?.GetValue<string>();
                if (service is null)
                {
                    continue;
                }

                var instances = IstioInstanceCodec.Decode(annotations?[KubernetesOwnership.InstancesAnnotation]?.GetValue<string>());
                var hash = annotations?[KubernetesOwnership.HashAnnotation]?.GetValue<string>() ?? string.Empty;
                var drifted = instances is null || hash != Hash(item);
                if (!owned.TryGetValue(service, out var entry))
                {
                    entry = new OwnedService([], []);
                    owned[service] = entry;
                }

                entry.Objects.Add(new OwnedObject(plural, metadata["name"]!.GetValue<string>(), hash, drifted));
                entry.Instances.AddRange(instances ?? []);
            }
        }

        _owned = owned;
        return new OwnedRecords
        {
            Services = owned.Where(static o => o.Value.Instances.Count > 0)
                .ToDictionary(static o => o.Key, static o => (IReadOnlyList<ServiceInstance>)o.Value.Instances, StringComparer.Ordinal),
            Drifted = owned.Where(static o => o.Value.Objects.Exists(static x => x.Drifted)).Select(static o => o.Key).ToFrozenSet(StringComparer.Ordinal),
        };
    }

    /// <inheritdoc />
    public async Task<WriteResult> ApplyAsync(WriteBatch batch, CancellationToken cancellationToken = default)
    {
        WriterChecks.CheckBatch(batch);
        var rejected = new List<SkippedRecord>();
        int created = 0, updated = 0, deleted = 0, requests = 0;
        var deletes = new List<(string Service, OwnedObject Object)>();
        foreach (var (service, desiredSet) in batch.Services.OrderBy(static s => s.Key, StringComparer.Ordinal))
        {
            var desired = new List<ServiceInstance>();
            foreach (var instance in desiredSet)
            {
                if (WriterChecks.Check(service, instance, batch.SyncId) is { } invalid)
                {
                    rejected.Add(new SkippedRecord(WriterChecks.Describe(service, instance), invalid));
                }
                else if (!TryNormalize(instance, out var stored, out var reason))
                {
                    rejected.Add(new SkippedRecord(WriterChecks.Describe(service, instance), reason));
                }
                else
                {
                    desired.Add(stored);
                }
            }

            var owned = _owned.GetValueOrDefault(service);
            var diff = OwnedDiff.Compute(owned?.Instances ?? [], desired);
            if (desired.Count == 0)
            {
                deletes.AddRange((owned?.Objects ?? []).Select(o => (service, o)));
                deleted += owned?.Instances.Count ?? 0;
                continue;
            }

            var options = new IstioMappingOptions
            {
                HostTemplate = _options.HostTemplate,
                Location = _options.Location,
                Namespace = _namespace,
                SyncId = batch.SyncId,
                Weight = _options.Weight,
                WeightMetadataKey = _options.WeightMetadataKey,
                DefaultRegion = _options.DefaultRegion,
                WorkloadEntries = _options.WorkloadEntries,
            };
            var mapping = ServiceEntryMapper.Map(
                new MeshService(service, [.. desired.Select(static i => new MeshInstance(SyncMetadata.GetOrigin(i) ?? "unknown", i))], MergePolicy.Union),
                options);
            if (mapping.ServiceEntry is null)
            {
                rejected.AddRange(desired.Select(i => new SkippedRecord(WriterChecks.Describe(service, i), mapping.Skipped[0].Reason)));
                continue;
            }

            var objects = Annotate(mapping, desired);
            if (owned is null)
            {
                requests++;
                if (await ReadForeignAsync(ServiceEntries, (string)mapping.ServiceEntry["metadata"]!["name"]!, batch.SyncId, cancellationToken).ConfigureAwait(false) is { } foreign)
                {
                    rejected.AddRange(desired.Select(i => new SkippedRecord(WriterChecks.Describe(service, i), foreign)));
                    continue;
                }
            }

            var conflict = false;
            foreach (var (plural, obj) in objects)
            {
                var name = obj["metadata"]!["name"]!.GetValue<string>();
                var hash = obj["metadata"]!["annotations"]![KubernetesOwnership.HashAnnotation]!.GetValue<string>();
                if (owned?.Objects.Find(o => o.Plural == plural && o.Name == name) is { Drifted: false } same && same.Hash == hash)
                {
                    continue;
                }

                requests++;
                if (await ApplyObjectAsync(plural, name, obj, cancellationToken).ConfigureAwait(false) is { } refused)
                {
                    rejected.AddRange(desired.Select(i => new SkippedRecord(WriterChecks.Describe(service, i), refused)));
                    conflict = true;
                    break;
                }
            }

            if (conflict)
            {
                continue;
            }

            var names = objects.Select(static o => (o.Plural, o.Object["metadata"]!["name"]!.GetValue<string>())).ToHashSet();
            deletes.AddRange((owned?.Objects ?? []).Where(o => !names.Contains((o.Plural, o.Name))).Select(o => (service, o)));
            created += diff.Creates.Count;
            // A drifted service is written whole again: each of its kept instances counts as an update.
            updated += owned is not null && owned.Objects.Exists(static o => o.Drifted) ? desired.Count - diff.Creates.Count : diff.Updates.Count;
            deleted += diff.Deletes.Count;
            _owned[service] = new OwnedService([.. objects.Select(o => new OwnedObject(o.Plural, o.Object["metadata"]!["name"]!.GetValue<string>(), o.Object["metadata"]!["annotations"]![KubernetesOwnership.HashAnnotation]!.GetValue<string>(), false))], desired);
        }

        // Deletes last, WorkloadEntries before their ServiceEntry.
        foreach (var (service, obj) in deletes.OrderBy(static d => d.Object.Plural == ServiceEntries ? 1 : 0))
        {
            requests++;
            await DeleteObjectAsync(obj, batch.SyncId, cancellationToken).ConfigureAwait(false);
            if (_owned.TryGetValue(service, out var entry))
            {
                entry.Objects.Remove(obj);
                if (batch.Services.TryGetValue(service, out var set) && set.Count == 0)
                {
                    _owned.Remove(service);
                }
            }
        }

        return new WriteResult { Created = created, Updated = updated, Deleted = deleted, Requests = requests, Rejected = rejected };
    }

    private static List<(string Plural, JsonObject Object)> Annotate(IstioMapping mapping, List<ServiceInstance> desired)
    {
        var result = new List<(string, JsonObject)>();
        var inline = mapping.WorkloadEntries.Count == 0;
        var entry = mapping.ServiceEntry!;
        Set(entry, inline ? desired : []);
        result.Add((ServiceEntries, entry));
        if (!inline)
        {
            // The mapper writes one WorkloadEntry per instance, in instance order.
            for (var i = 0; i < mapping.WorkloadEntries.Count; i++)
            {
                Set(mapping.WorkloadEntries[i], [desired[i]]);
                result.Add((WorkloadEntries, mapping.WorkloadEntries[i]));
            }
        }

        return result;

        static void Set(JsonObject obj, List<ServiceInstance> instances)
        {
            var annotations = obj["metadata"]!["annotations"]!.AsObject();
            annotations[KubernetesOwnership.InstancesAnnotation] = IstioInstanceCodec.Encode(instances);
            annotations[KubernetesOwnership.HashAnnotation] = Hash(obj);
        }
    }

    /// <summary>The hash of what this sync sets on an object: its labels, its annotations but the hash, and its spec.</summary>
    private static string Hash(JsonObject obj)
    {
        var annotations = (obj["metadata"]?["annotations"] as JsonObject)?.DeepClone().AsObject() ?? [];
        annotations.Remove(KubernetesOwnership.HashAnnotation);
        var content = new JsonObject
        {
            ["labels"] = Sorted(obj["metadata"]?["labels"] as JsonObject),
            ["annotations"] = Sorted(annotations),
            ["spec"] = obj["spec"]?.DeepClone(),
        };
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(Canonical(content)!.ToJsonString())))[..16];

        static JsonObject Sorted(JsonObject? o) => o?.DeepClone().AsObject() ?? [];
    }

    /// <summary>Keys sorted at every level, as the API server's Go types and maps serialize them whatever order was sent.</summary>
    private static JsonNode? Canonical(JsonNode? node) => node switch
    {
        JsonObject o => new JsonObject(o.OrderBy(static p => p.Key, StringComparer.Ordinal).Select(static p => KeyValuePair.Create(p.Key, Canonical(p.Value)))),
        JsonArray a => new JsonArray([.. a.Select(Canonical)]),
        _ => node?.DeepClone(),
    };
}
