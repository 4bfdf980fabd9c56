using System.Collections.Frozen;
using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using k8s;
using Registry.Adapters.Kubernetes.Istio;
using Registry.Adapters.Sync;

namespace Registry.Adapters.Kubernetes.Writer;

/// <summary>
/// The <c>kubernetes</c> sync target: each mirrored service becomes a selector-less Service and its EndpointSlices
/// (<see cref="MirrorMapping"/>) in one namespace, written by server-side apply with field manager
/// <see cref="FieldManager"/> and without force. Objects without this sync id's labels are never changed or deleted: a
/// Service of the same name that is not ours rejects the service. Each slice records the instances it was written from,
/// so a restarted sync finds exactly what it wrote; an object whose fields no longer match what the writer would apply
/// (a hand edit) is drift, written again by the next pass.
/// </summary>
internal sealed partial class KubernetesServiceWriter : IServiceRegistryWriter
{
    /// <summary>The field manager of every apply.</summary>
    public const string FieldManager = "mesh-sync";

    private const string Services = "services";
    private const string Slices = "endpointslices";

    private readonly Func<IKubernetes> _client;
    private readonly string _namespace;
    private readonly Dictionary<string, Dictionary<string, OwnedService>> _ownedBySyncId = new(StringComparer.Ordinal);
    private readonly NormalizedInstances _normalized = new();

    public KubernetesServiceWriter(string name, Func<IKubernetes> client, string ns)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(client);
        ArgumentException.ThrowIfNullOrEmpty(ns);
        Name = name;
        _client = client;
        _namespace = ns;
    }

    public string Name { get; }

    public string Kind => KubernetesRegistryProvider.KindName;

    private IKubernetes Client => _client();

    private sealed record OwnedObject(string Resource, string Name, string Hash, bool Drifted);

    private sealed record OwnedService(List<OwnedObject> Objects, List<ServiceInstance> Instances)
    {
        public bool Drifted => Objects.Exists(static o => o.Drifted);
    }

    public bool TryNormalize(ServiceInstance desired, [NotNullWhen(true)] out ServiceInstance? stored, [NotNullWhen(false)] out string? reason)
    {
        ArgumentNullException.ThrowIfNull(desired);
        stored = null;
        if (ServiceInstanceValidator.Validate(desired) is { } invalid)
        {
            reason = invalid;
            return false;
        }

        var host = desired.Host.ToLowerInvariant();
        if (MirrorMapping.AddressType(host) is null)
        {
            reason = $"address '{ServiceInstanceValidator.Printable(desired.Host, 64)}' is neither an IP address nor a DNS-1123 host name";
            return false;
        }

        if (desired.Ports.Count == 0)
        {
            reason = "the instance has no port (a mirrored Service needs one)";
            return false;
        }

        var ports = new List<ServicePort>(desired.Ports.Count);
        foreach (var port in desired.Ports)
        {
            var name = port.Name.ToLowerInvariant();
            if (!KubernetesNames.IsDns1123Label(name))
            {
                name = $"port-{port.Port}";
            }

            if (ports.Exists(p => p.Name == name))
            {
                reason = $"port name '{ServiceInstanceValidator.Printable(port.Name, 64)}' is used twice once lower-cased";
                return false;
            }

            ports.Add(port with { Name = name });
        }

        if (desired.Zone is { } zone && !KubernetesNames.IsLabelValue(zone))
        {
            reason = $"zone '{ServiceInstanceValidator.Printable(zone, 64)}' is not a valid label value (topology.kubernetes.io/zone)";
            return false;
        }

        stored = _normalized.Remember(desired with
        {
            Host = host,
            Ports = ports,
            Health = desired.Health is HealthStatus.Healthy or HealthStatus.Draining ? desired.Health : HealthStatus.Unhealthy,
        });
        reason = null;
        return true;
    }

    public async Task<OwnedRecords> ListOwnedAsync(string syncId, CancellationToken cancellationToken = default)
    {
        if (SyncMetadata.ValidateSyncId(syncId) is { } error)
        {
            throw new ArgumentException(error, nameof(syncId));
        }

        var live = new Dictionary<string, List<(string Resource, JsonObject Item)>>(StringComparer.Ordinal);
        foreach (var resource in new[] { Services, Slices })
        {
            foreach (var item in await ListAsync(resource, syncId, cancellationToken).ConfigureAwait(false))
            {
                if (item["metadata"]?["annotations"]?[KubernetesOwnership.ServiceAnnotation]?.GetValue<string>() is not { } service)
                {
                    continue;
                }

                if (!live.TryGetValue(service, out var list))
                {
                    list = [];
                    live[service] = list;
                }

                list.Add((resource, item));
            }
        }

        var owned = new Dictionary<string, OwnedService>(StringComparer.Ordinal);
        foreach (var (service, items) in live)
        {
            var instances = new List<ServiceInstance>();
            var unreadable = false;
            foreach (var (resource, item) in items.Where(static i => i.Resource == Slices))
            {
                var decoded = IstioInstanceCodec.Decode(item["metadata"]?["annotations"]?[KubernetesOwnership.InstancesAnnotation]?.GetValue<string>());
                unreadable |= decoded is null;
                instances.AddRange(decoded ?? []);
            }

            // What the writer would apply for these instances; a live object that does not hold all of it was edited.
            var expected = instances.Count == 0 ? [] : Objects(MirrorMapping.Map(service, _namespace, syncId, instances));
            var objects = new List<OwnedObject>();
            foreach (var (resource, obj) in expected)
            {
                var name = obj["metadata"]!["name"]!.GetValue<string>();
                var match = items.Find(i => i.Resource == resource && i.Item["metadata"]!["name"]!.GetValue<string>() == name).Item;
                objects.Add(new OwnedObject(resource, name, Hash(obj), unreadable || match is null || !Holds(match, obj)));
            }

            foreach (var (resource, item) in items)
            {
                var name = item["metadata"]!["name"]!.GetValue<string>();
                if (!objects.Exists(o => o.Resource == resource && o.Name == name))
                {
                    // Ours but not what these instances give (an older layout, a half-finished write): deleted on the next write.
                    objects.Add(new OwnedObject(resource, name, string.Empty, true));
                }
            }

            owned[service] = new OwnedService(objects, instances);
        }

        lock (_ownedBySyncId)
        {
            _ownedBySyncId[syncId] = owned;
        }

        return new OwnedRecords
        {
            Services = owned.Where(static o => o.Value.Instances.Count > 0).ToDictionary(
                static o => o.Key,
                static o => (IReadOnlyList<ServiceInstance>)o.Value.Instances,
                StringComparer.Ordinal),
            Drifted = owned.Where(static o => o.Value.Drifted).Select(static o => o.Key).ToFrozenSet(StringComparer.Ordinal),
        };
    }

    public async Task<WriteResult> ApplyAsync(WriteBatch batch, CancellationToken cancellationToken = default)
    {
        WriterChecks.CheckBatch(batch);
        Dictionary<string, OwnedService> known;
        lock (_ownedBySyncId)
        {
            if (!_ownedBySyncId.TryGetValue(batch.SyncId, out known!))
            {
                known = new Dictionary<string, OwnedService>(StringComparer.Ordinal);
                _ownedBySyncId[batch.SyncId] = known;
            }
        }

        var rejected = new List<SkippedRecord>();
        int created = 0, updated = 0, deleted = 0, requests = 0;
        var deletes = new List<(string Service, OwnedObject Object)>();
        foreach (var (service, desiredSet) in batch.Services.OrderBy(static s => s.Key, StringComparer.Ordinal))
        {
            var desired = WriterChecks.Accept(service, desiredSet, batch.SyncId, _normalized, Normalize, static _ => null, rejected);
            var owned = known.GetValueOrDefault(service);
            if (desired.Count == 0)
            {
                deletes.AddRange((owned?.Objects ?? []).Select(o => (service, o)));
                deleted += owned?.Instances.Count ?? 0;
                continue;
            }

            var diff = OwnedDiff.Compute(owned?.Instances ?? [], desired);
            var objects = Objects(MirrorMapping.Map(service, _namespace, batch.SyncId, desired));
            string? refused = null;

            // An object of that name the sync did not list as its own is read first: one without our labels (a native
            // Service) rejects the service before anything is written, so no slice ever joins a Service that is not ours.
            foreach (var (resource, name) in objects.Select(static o => (o.Resource, Name: o.Object["metadata"]!["name"]!.GetValue<string>()))
                .Where(o => owned?.Objects.Exists(m => m.Resource == o.Resource && m.Name == o.Name) != true)
                .OrderBy(static o => o.Resource == Services ? 0 : 1))
            {
                requests++;
                if ((refused = await ReadForeignAsync(resource, name, batch.SyncId, cancellationToken).ConfigureAwait(false)) is not null)
                {
                    break;
                }
            }

            // Slices first, then the Service: the slices record the instances, so an interrupted write is found and finished.
            foreach (var (resource, obj) in objects.Where(_ => refused is null).OrderBy(static o => o.Resource == Services ? 1 : 0))
            {
                var name = obj["metadata"]!["name"]!.GetValue<string>();
                if (owned?.Objects.Find(o => o.Resource == resource && o.Name == name) is { Drifted: false } mine && mine.Hash == Hash(obj))
                {
                    continue;
                }

                requests++;
                if ((refused = await ApplyObjectAsync(resource, name, obj, cancellationToken).ConfigureAwait(false)) is not null)
                {
                    break;
                }
            }

            if (refused is not null)
            {
                rejected.AddRange(desired.Select(i => new SkippedRecord(WriterChecks.Describe(service, i), refused)));
                continue;
            }

            var names = objects.Select(static o => (o.Resource, o.Object["metadata"]!["name"]!.GetValue<string>())).ToHashSet();
            deletes.AddRange((owned?.Objects ?? []).Where(o => !names.Contains((o.Resource, o.Name))).Select(o => (service, o)));
            created += diff.Creates.Count;
            updated += owned is { Drifted: true } ? desired.Count - diff.Creates.Count : diff.Updates.Count;
            deleted += diff.Deletes.Count;
            known[service] = new OwnedService([.. objects.Select(static o => new OwnedObject(o.Resource, o.Object["metadata"]!["name"]!.GetValue<string>(), Hash(o.Object), false))], desired);
        }

        // Deletes last: a Service before its slices (they record the instances, so an interrupted delete is found again).
        foreach (var (service, obj) in deletes.OrderBy(static d => d.Object.Resource == Services ? 0 : 1))
        {
            requests++;
            await DeleteObjectAsync(obj, batch.SyncId, cancellationToken).ConfigureAwait(false);
            if (known.TryGetValue(service, out var entry))
            {
                entry.Objects.Remove(obj);
                if (entry.Objects.Count == 0)
                {
                    known.Remove(service);
                }
            }
        }

        return new WriteResult { Created = created, Updated = updated, Deleted = deleted, Requests = requests, Rejected = rejected };
    }

    private (ServiceInstance?, string?) Normalize(ServiceInstance instance) =>
        TryNormalize(instance, out var stored, out var reason) ? (stored, null) : (null, reason);

    private static List<(string Resource, JsonObject Object)> Objects(MirrorMapping.Objects mapped) =>
        [(Services, mapped.Service), .. mapped.Slices.Select(static s => (Slices, s))];

    /// <summary>Whether the live object holds every field the writer applies (the server adds defaults, status and metadata of its own).</summary>
    private static bool Holds(JsonObject live, JsonObject applied) =>
        applied.Where(static p => p.Key is not ("apiVersion" or "kind")).All(p => live.TryGetPropertyValue(p.Key, out var v) && Holds(v, p.Value));

    private static bool Holds(JsonNode? live, JsonNode? applied) => (live, applied) switch
    {
        (_, null) => true,
        (JsonObject l, JsonObject a) => a.All(p => l.TryGetPropertyValue(p.Key, out var v) && Holds(v, p.Value)),
        (JsonArray l, JsonArray a) => l.Count == a.Count && l.Zip(a).All(static p => Holds(p.First, p.Second)),
        (JsonValue l, JsonValue a) => string.Equals(l.ToString(), a.ToString(), StringComparison.Ordinal),
        _ => false,
    };

    private static string Hash(JsonObject obj) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(obj.ToJsonString())))[..16];
}
