using System.Globalization;
using System.Text.Json.Nodes;

namespace Registry.Adapters.Eureka.Tests;

public sealed partial class FakeEurekaServer
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, Dictionary<string, Lease>> _registry = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _overrides = new(StringComparer.Ordinal);
    private readonly List<(long At, string App, string Id, JsonObject Instance)> _recentlyChanged = [];
    private long _versionDelta = 1;
    private int _corruptDeltaHashes;

    /// <summary>The apps hash code of the whole registry (<c>DOWN_1_UP_3_</c>), as the server computes it.</summary>
    public string HashCode
    {
        get
        {
            lock (_gate)
            {
                EvictExpiredLocked();
                return HashCodeLocked();
            }
        }
    }

    /// <summary>Number of registered instances.</summary>
    public int InstanceCount
    {
        get
        {
            lock (_gate)
            {
                EvictExpiredLocked();
                return _registry.Values.Sum(static a => a.Count);
            }
        }
    }

    /// <summary>Serves the next <paramref name="count"/> delta responses with a wrong <c>apps__hashcode</c>, forcing a full fetch.</summary>
    public void CorruptNextDeltaHashCodes(int count = 1)
    {
        lock (_gate)
        {
            _corruptDeltaHashes += count;
        }
    }

    /// <summary>Registers (or re-registers) an instance as <c>POST apps/{APP}</c> does; returns the 400 message, or <see langword="null"/>.</summary>
    public string? Register(string app, JsonObject instance, bool validate = true)
    {
        var appName = app.ToUpperInvariant();
        if (validate && Validate(appName, instance) is { } error)
        {
            return error;
        }

        lock (_gate)
        {
            EvictExpiredLocked();
            var copy = (JsonObject)instance.DeepClone();
            copy["app"] = (copy["app"]?.ToString() ?? appName).ToUpperInvariant();
            var id = Id(copy);
            var now = NowMs();
            var duration = (long?)ReadLong(copy["leaseInfo"]?["durationInSecs"]) ?? 90;
            _registry.TryGetValue(appName, out var existing);
            Lease? old = null;
            existing?.TryGetValue(id, out old);

            // AbstractInstanceRegistry.getOverriddenInstanceStatus: DownOrStartingRule (a registered status other than UP
            // or OUT_OF_SERVICE wins), OverrideExistsRule, LeaseExistsRule (an existing lease's UP or OUT_OF_SERVICE is
            // kept: registering OUT_OF_SERVICE over UP does not take an instance out), else the registered status.
            var registered = NormalizeStatus(copy["status"]?.ToString());
            copy["status"] = registered is not ("UP" or "OUT_OF_SERVICE") ? registered
                : _overrides.TryGetValue(id, out var overridden) ? overridden
                : old is { Status: "UP" or "OUT_OF_SERVICE" } ? old.Status
                : registered;
            var lease = new Lease(copy, duration * 1000, now) { LastUpdateMs = now };
            if (old is not null)
            {
                lease.RegistrationMs = old.RegistrationMs;
            }

            if (!_registry.TryGetValue(appName, out var leases))
            {
                leases = new Dictionary<string, Lease>(StringComparer.Ordinal);
                _registry[appName] = leases;
            }

            leases[id] = lease;
            RecordLocked(appName, id, lease, "ADDED");
            return null;
        }
    }

    /// <summary>Removes an instance as <c>DELETE apps/{APP}/{id}</c> does.</summary>
    public bool Cancel(string app, string id)
    {
        lock (_gate)
        {
            EvictExpiredLocked();
            return CancelLocked(app.ToUpperInvariant(), id);
        }
    }

    /// <summary>Renews a lease as <c>PUT apps/{APP}/{id}</c> does: 404 when unknown or when the client's dirty timestamp is newer.</summary>
    public System.Net.HttpStatusCode Renew(string app, string id, string? lastDirtyTimestamp = null)
    {
        lock (_gate)
        {
            EvictExpiredLocked();
            if (!TryGetLocked(app, id, out var lease))
            {
                return System.Net.HttpStatusCode.NotFound;
            }

            // Lease.renew(): lastUpdateTimestamp = now + duration (Eureka's documented doubled-expiry bug).
            lease.LastUpdateMs = NowMs() + lease.DurationMs;
            lease.Renewals++;

            // InstanceResource.validateDirtyTimestamp: a client with newer data must register again.
            return long.TryParse(lastDirtyTimestamp, NumberStyles.Integer, CultureInfo.InvariantCulture, out var clientDirty)
                && ReadLong(lease.Instance["lastDirtyTimestamp"]) is { } serverDirty && clientDirty > serverDirty
                ? System.Net.HttpStatusCode.NotFound
                : System.Net.HttpStatusCode.OK;
        }
    }

    /// <summary>Sets a status override as <c>PUT apps/{APP}/{id}/status?value=</c> does.</summary>
    public bool OverrideStatus(string app, string id, string status)
    {
        lock (_gate)
        {
            EvictExpiredLocked();
            if (!TryGetLocked(app, id, out var lease))
            {
                return false;
            }

            status = NormalizeStatus(status);
            _overrides[id] = status;
            lease.Instance["overriddenStatus"] = status;
            lease.Instance["status"] = status;
            RecordLocked(app.ToUpperInvariant(), id, lease, "MODIFIED");
            return true;
        }
    }

    /// <summary>Removes a status override as <c>DELETE apps/{APP}/{id}/status[?value=]</c> does: the status becomes <paramref name="status"/> (UNKNOWN when empty).</summary>
    public bool RemoveOverride(string app, string id, string? status)
    {
        lock (_gate)
        {
            EvictExpiredLocked();
            if (!TryGetLocked(app, id, out var lease))
            {
                return false;
            }

            _overrides.Remove(id);
            lease.Instance["overriddenStatus"] = "UNKNOWN";
            lease.Instance["status"] = string.IsNullOrEmpty(status) ? "UNKNOWN" : NormalizeStatus(status);
            RecordLocked(app.ToUpperInvariant(), id, lease, "MODIFIED");
            return true;
        }
    }

    /// <summary>The stored instance (a copy), or <see langword="null"/>.</summary>
    public JsonObject? GetInstance(string app, string id)
    {
        lock (_gate)
        {
            EvictExpiredLocked();
            return TryGetLocked(app, id, out var lease) ? (JsonObject)lease.Instance.DeepClone() : null;
        }
    }

    /// <summary>How many heartbeats an instance's current lease received.</summary>
    public int RenewalsOf(string app, string id)
    {
        lock (_gate)
        {
            return TryGetLocked(app, id, out var lease) ? lease.Renewals : 0;
        }
    }

    private static long? ReadLong(JsonNode? node) =>
        node is null ? null
        : long.TryParse(node.ToString(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) ? value
        : null;

    private long NowMs() => _time.GetUtcNow().ToUnixTimeMilliseconds();

    private bool TryGetLocked(string app, string id, out Lease lease)
    {
        lease = null!;
        return _registry.TryGetValue(app.ToUpperInvariant(), out var leases) && leases.TryGetValue(id, out lease!);
    }

    private bool CancelLocked(string app, string id)
    {
        if (!_registry.TryGetValue(app, out var leases) || !leases.Remove(id, out var lease))
        {
            return false;
        }

        if (leases.Count == 0)
        {
            _registry.Remove(app);
        }

        _overrides.Remove(id);
        lease.EvictionMs = NowMs();
        RecordLocked(app, id, lease, "DELETED");
        return true;
    }

    private void EvictExpiredLocked()
    {
        // Lease.isExpired: now > lastUpdateTimestamp + duration.
        var now = NowMs();
        List<(string App, string Id)>? expired = null;
        foreach (var (app, leases) in _registry)
        {
            foreach (var (id, lease) in leases)
            {
                if (now > lease.LastUpdateMs + lease.DurationMs)
                {
                    (expired ??= []).Add((app, id));
                }
            }
        }

        foreach (var (app, id) in expired ?? [])
        {
            CancelLocked(app, id);
        }
    }

    private void RecordLocked(string app, string id, Lease lease, string actionType)
    {
        var now = NowMs();
        lease.ActionType = actionType;
        lease.LastUpdatedTimestamp = now;
        _versionDelta++;
        _recentlyChanged.Add((now, app, id, RenderInstance(lease)));
        _recentlyChanged.RemoveAll(c => now - c.At > (long)RetentionWindow.TotalMilliseconds);
    }

    private string HashCodeLocked()
    {
        var counts = new SortedDictionary<string, int>(StringComparer.Ordinal);
        foreach (var leases in _registry.Values)
        {
            foreach (var lease in leases.Values)
            {
                var status = lease.Status;
                counts[status] = counts.GetValueOrDefault(status) + 1;
            }
        }

        return string.Concat(counts.Select(static c => $"{c.Key}_{c.Value}_"));
    }

    private sealed class Lease(JsonObject instance, long durationMs, long registrationMs)
    {
        public JsonObject Instance { get; } = instance;

        /// <summary>The stored status, kept beside the document so the hash code does not re-read JSON.</summary>
        public string Status => Instance["status"] is JsonValue value && value.TryGetValue<string>(out var status) ? status : "UP";

        public long DurationMs { get; } = durationMs;

        public long RegistrationMs { get; set; } = registrationMs;

        public long LastUpdateMs { get; set; }

        public long EvictionMs { get; set; }

        public long LastUpdatedTimestamp { get; set; }

        public string ActionType { get; set; } = "ADDED";

        public int Renewals { get; set; }
    }
}
