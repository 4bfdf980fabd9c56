using System.Text;
using Registry.Adapters.Eureka.Wire;

namespace Registry.Adapters.Eureka;

/// <summary>
/// The client's copy of the server's registry, as Eureka's <c>DiscoveryClient</c> keeps it: every instance by
/// application and id (invalid ones too, since the server counts them in its hash code), status counts for the
/// apps hash code, and the per-service instance lists last published to watchers.
/// </summary>
internal sealed class EurekaLocalRegistry(EurekaInstanceMapper mapper)
{
    private readonly Dictionary<string, Dictionary<string, MappedInstance>> _apps = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<string, Dictionary<EntryKey, ServiceInstance>> _services = new(StringComparer.Ordinal);
    private readonly Dictionary<string, IReadOnlyList<ServiceInstance>> _published = new(StringComparer.Ordinal);
    private readonly HashSet<string> _touched = new(StringComparer.Ordinal);
    private readonly int[] _counts = new int[EurekaInstanceMapper.StatusNames.Length];

    /// <summary>The number of instances held (valid or not).</summary>
    public int Count { get; private set; }

    /// <summary>The apps hash code of the local copy, computed as Eureka's <c>Applications.getReconcileHashCode</c>: <c>DOWN_2_UP_5_</c>.</summary>
    public string HashCode
    {
        get
        {
            var builder = new StringBuilder(48);
            for (var i = 0; i < _counts.Length; i++)
            {
                if (_counts[i] > 0)
                {
                    builder.Append(EurekaInstanceMapper.StatusNames[i]).Append('_').Append(_counts[i]).Append('_');
                }
            }

            return builder.ToString();
        }
    }

    /// <summary>Replaces the whole copy with a full <c>apps</c> payload; every service is then up for publishing.</summary>
    public void Load(JsonApplications? applications, List<SkippedRecord> skipped)
    {
        foreach (var service in _published.Keys)
        {
            _touched.Add(service);
        }

        _apps.Clear();
        _services.Clear();
        Array.Clear(_counts);
        Count = 0;
        foreach (var (appName, instance) in Enumerate(applications, skipped))
        {
            Upsert(appName, instance, skipped);
        }
    }

    /// <summary>Applies a delta as <c>DiscoveryClient.updateDelta</c> does: ADDED/MODIFIED upsert by id, DELETED removes; other action types are ignored.</summary>
    public void ApplyDelta(JsonApplications? delta, List<SkippedRecord> skipped)
    {
        foreach (var (appName, instance) in Enumerate(delta, skipped))
        {
            switch (instance.ActionType?.ToUpperInvariant())
            {
                case "ADDED" or "MODIFIED":
                    Upsert(appName, instance, skipped);
                    break;
                case "DELETED":
                    if (EurekaInstanceMapper.InstanceId(instance, appName) is { } id)
                    {
                        Remove(appName, id);
                    }

                    break;
            }
        }
    }

    /// <summary>Publishes the services touched since the last call: returns a change for each whose instance list differs from the one published before.</summary>
    public List<ServiceChangedEvent> Publish(string? revision)
    {
        var changes = new List<ServiceChangedEvent>();
        foreach (var service in _touched)
        {
            ServiceInstance[] now = _services.TryGetValue(service, out var byKey) && byKey.Count > 0 ? Sorted(byKey) : [];
            _published.TryGetValue(service, out var before);
            if (before is null ? now.Length == 0 : before.SequenceEqual(now))
            {
                continue;
            }

            if (now.Length == 0)
            {
                _published.Remove(service);
            }
            else
            {
                _published[service] = now;
            }

            changes.Add(new ServiceChangedEvent(service, now, revision));
        }

        _touched.Clear();
        return changes;
    }

    /// <summary>The published content as a snapshot.</summary>
    public RegistrySnapshot Snapshot(string? revision, IReadOnlyList<SkippedRecord> skipped) => new()
    {
        Services = new Dictionary<string, IReadOnlyList<ServiceInstance>>(_published, StringComparer.Ordinal),
        Revision = revision,
        Skipped = skipped,
    };

    private static IEnumerable<(string AppName, JsonInstance Instance)> Enumerate(JsonApplications? applications, List<SkippedRecord> skipped)
    {
        if (applications?.Application is not { } apps)
        {
            yield break;
        }

        for (var a = 0; a < apps.Count; a++)
        {
            if (apps[a] is not { } app)
            {
                skipped.Add(new SkippedRecord($"application[{a}]", "application entry is not an object"));
                continue;
            }

            if (app.Instance is not { } instances)
            {
                continue;
            }

            for (var i = 0; i < instances.Count; i++)
            {
                if (instances[i] is not { } instance)
                {
                    skipped.Add(new SkippedRecord($"{ServiceInstanceValidator.Printable(app.Name, 100)}/instance[{i}]", "instance entry is not an object"));
                    continue;
                }

                yield return (app.Name ?? instance.App ?? string.Empty, instance);
            }
        }
    }

    private static ServiceInstance[] Sorted(Dictionary<EntryKey, ServiceInstance> byKey)
    {
        var list = new ServiceInstance[byKey.Count];
        byKey.Values.CopyTo(list, 0);
        Array.Sort(list, static (a, b) => string.CompareOrdinal(a.Id, b.Id));
        return list;
    }

    private void Upsert(string appName, JsonInstance instance, List<SkippedRecord> skipped)
    {
        var mapped = mapper.Map(appName, instance);
        if (mapped.Skip is { } skip)
        {
            skipped.Add(skip);
        }

        if (mapped.Id.Length == 0)
        {
            return;
        }

        Remove(appName, mapped.Id);
        if (!_apps.TryGetValue(appName, out var app))
        {
            app = new Dictionary<string, MappedInstance>(StringComparer.Ordinal);
            _apps[appName] = app;
        }

        app[mapped.Id] = mapped;
        _counts[(int)mapped.Status]++;
        Count++;
        foreach (var item in mapped.Instances)
        {
            if (!_services.TryGetValue(item.Service, out var byKey))
            {
                byKey = [];
                _services[item.Service] = byKey;
            }

            byKey[new EntryKey(appName, mapped.Id)] = item;
            _touched.Add(item.Service);
        }
    }

    private void Remove(string appName, string id)
    {
        if (!_apps.TryGetValue(appName, out var app) || !app.Remove(id, out var old))
        {
            return;
        }

        if (app.Count == 0)
        {
            _apps.Remove(appName);
        }

        _counts[(int)old.Status]--;
        Count--;
        foreach (var item in old.Instances)
        {
            if (_services.TryGetValue(item.Service, out var byKey))
            {
                byKey.Remove(new EntryKey(appName, id));
                if (byKey.Count == 0)
                {
                    _services.Remove(item.Service);
                }
            }

            _touched.Add(item.Service);
        }
    }

    /// <summary>An instance's place in a service: its application (case-insensitive, as Eureka upper-cases it) and id.</summary>
    private readonly record struct EntryKey(string App, string Id)
    {
        public bool Equals(EntryKey other) =>
            string.Equals(Id, other.Id, StringComparison.Ordinal) && string.Equals(App, other.App, StringComparison.OrdinalIgnoreCase);

        public override int GetHashCode() => System.HashCode.Combine(StringComparer.Ordinal.GetHashCode(Id), StringComparer.OrdinalIgnoreCase.GetHashCode(App));
    }
}
