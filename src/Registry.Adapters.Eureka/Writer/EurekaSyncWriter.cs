using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Registry.Adapters.Eureka.Transport;
using Registry.Adapters.Eureka.Wire;
using Registry.Adapters.Sync;

namespace Registry.Adapters.Eureka;

/// <summary>
/// Writes mirrored instances into Eureka as its own clients register: each instance has its own lease
/// (<c>POST apps/{APP}</c>), kept by a heartbeat every <see cref="EurekaRegistryOptions.RenewalInterval"/>
/// (<c>PUT apps/{APP}/{id}</c>; a 404 means the server lost the lease, and the instance is registered again), with its
/// status from its health (draining is the <c>OUT_OF_SERVICE</c> override, as Eureka clients take an instance out) and
/// the ownership markers in its metadata. The peer-replication header is never sent (the server would then treat
/// the writer as a peer and skip replicating to its neighbours). A restarted sync lists its records and heartbeats them
/// again; a sync that stays dead lets them expire (about twice <see cref="EurekaRegistryOptions.LeaseDuration"/>).
/// </summary>
internal sealed partial class EurekaSyncWriter : IDisposable
{
    private readonly string _name;
    private readonly EurekaRegistryOptions _options;
    private readonly EurekaClient _client;
    private readonly EurekaInstanceMapper _mapper;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly CancellationTokenSource _stopping = new();
    private readonly Dictionary<string, OwnedState> _owned = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<(string App, string Id), MirroredLease> _leases = new();
    private readonly NormalizedInstances _normalized = new();
    private int _heartbeatStarted;
    private int _reregistrations;

    public EurekaSyncWriter(string name, EurekaRegistryOptions options, EurekaClient client, EurekaInstanceMapper mapper, TimeProvider time, ILogger logger)
    {
        _name = name;
        _options = options;
        _client = client;
        _mapper = mapper;
        _time = time;
        _logger = logger;
    }

    /// <summary>The leases this process keeps alive.</summary>
    public int LeaseCount => _leases.Count;

    /// <summary>How often a heartbeat's 404 made the writer register an instance again.</summary>
    public int Reregistrations => Volatile.Read(ref _reregistrations);

    /// <summary>The instance as Eureka stores it and the registry reads it back (an http and an https port, the status of its health, Eureka's addressing fields in the metadata).</summary>
    public bool TryNormalize(ServiceInstance desired, [NotNullWhen(true)] out ServiceInstance? stored, [NotNullWhen(false)] out string? reason)
    {
        ArgumentNullException.ThrowIfNull(desired);
        stored = null;
        reason = ServiceInstanceValidator.Validate(desired);
        if (reason is not null)
        {
            return false;
        }

        if (!string.Equals(desired.Service, desired.Service.ToLowerInvariant(), StringComparison.Ordinal))
        {
            reason = "Eureka upper-cases application names and reads them back lower-case; the target service name must be lower case";
            return false;
        }

        JsonRegistration? echoed;
        try
        {
            var body = JsonSerializer.SerializeToUtf8Bytes(new JsonRegistrationRoot { Instance = Body(desired, 0) }, EurekaJsonContext.Default.JsonRegistrationRoot);
            echoed = JsonSerializer.Deserialize(body, EurekaJsonContext.Default.JsonRegistrationRoot)?.Instance;
        }
        catch (JsonException ex)
        {
            reason = "the instance does not serialize as a Eureka registration: " + ServiceInstanceValidator.Printable(ex.Message, 160);
            return false;
        }

        if (echoed is null)
        {
            reason = "the instance does not serialize as a Eureka registration";
            return false;
        }

        if (desired.Health == HealthStatus.Draining)
        {
            echoed.Status = "OUT_OF_SERVICE";
            echoed.OverriddenStatus = "OUT_OF_SERVICE";
        }

        if (!TryRead(echoed, out stored, out reason))
        {
            return false;
        }

        if (!string.Equals(stored.Id, desired.Id, StringComparison.Ordinal)
            || SyncMetadata.GetSyncId(stored) != SyncMetadata.GetSyncId(desired)
            || SyncMetadata.GetOrigin(stored) != SyncMetadata.GetOrigin(desired))
        {
            reason = "the instance id or the ownership markers do not survive a round trip through Eureka";
            stored = null;
            return false;
        }

        stored = _normalized.Remember(stored);
        return true;
    }

    public void Dispose()
    {
        // The leases are not cancelled: a restarted sync finds its records and heartbeats them again; a dead one lets them expire.
        _stopping.Cancel();
    }

    /// <summary>Maps a stored Eureka instance as the reader does, under its lower-cased application name.</summary>
    private bool TryRead(JsonInstance instance, [NotNullWhen(true)] out ServiceInstance? stored, [NotNullWhen(false)] out string? reason)
    {
        stored = null;
        var app = instance.App ?? string.Empty;
        var mapped = _mapper.Map(app, instance);
        if (mapped.Skip is { } skip || mapped.Instances.Length == 0)
        {
            reason = mapped.Skip?.Reason ?? "the instance maps to no service";
            return false;
        }

        stored = mapped.Instances[0] with { Service = app.ToLowerInvariant() };
        reason = null;
        return true;
    }

    /// <summary>The register body of an instance: Eureka's own client shape, its addressing fields derived from the target name.</summary>
    private JsonRegistration Body(ServiceInstance instance, long lastDirty)
    {
        var clean = instance.Metadata.Keys.Any(static k => k is "vipAddress" or "secureVipAddress" or "homePageUrl")
            ? instance with { Metadata = instance.Metadata.Where(static p => p.Key is not ("vipAddress" or "secureVipAddress" or "homePageUrl")).ToDictionary(StringComparer.Ordinal) }
            : instance;
        var status = EurekaServiceRegistrar.StatusFor(instance.Health == HealthStatus.Draining ? HealthStatus.Healthy : instance.Health);
        return EurekaServiceRegistrar.BuildInstance(clean, status, lastDirty, _options);
    }

    /// <summary>One mirrored instance this process keeps alive: the instance as stored and the dirty timestamp it was registered with.</summary>
    private sealed record MirroredLease(string App, ServiceInstance Instance, long LastDirty);

    /// <summary>What one sync id owns, as last listed and written.</summary>
    private sealed class OwnedState
    {
        /// <summary>Owned instances by target service name (the lower-cased application name), then id.</summary>
        public Dictionary<string, Dictionary<string, ServiceInstance>> Owned { get; } = new(StringComparer.Ordinal);

        /// <summary>Instances (application, id) that this sync id does not own.</summary>
        public HashSet<(string App, string Id)> Foreign { get; } = [];

        public string? Revision { get; init; }

        public void Set(string service, ServiceInstance instance)
        {
            if (!Owned.TryGetValue(service, out var ids))
            {
                ids = new Dictionary<string, ServiceInstance>(StringComparer.Ordinal);
                Owned[service] = ids;
            }

            ids[instance.Id] = instance;
        }

        public void Remove(string service, string id)
        {
            if (Owned.TryGetValue(service, out var ids) && ids.Remove(id) && ids.Count == 0)
            {
                Owned.Remove(service);
            }
        }

        public IReadOnlyList<ServiceInstance> Of(string service) => Owned.TryGetValue(service, out var ids) ? [.. ids.Values] : [];
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 5200, Level = LogLevel.Warning, Message = "Eureka sync target '{Registry}': the heartbeat of {App}/{Id} got 404 (lease lost); registering it again")]
        public static partial void LeaseLost(ILogger logger, string registry, string app, string id);

        [LoggerMessage(EventId = 5201, Level = LogLevel.Warning, Message = "Eureka sync target '{Registry}': the heartbeat of {App}/{Id} failed: {Error}")]
        public static partial void HeartbeatFailed(ILogger logger, string registry, string app, string id, string error);

        [LoggerMessage(EventId = 5202, Level = LogLevel.Warning, Message = "Eureka sync target '{Registry}': the owned record {Key} cannot be read back and is left alone: {Reason}")]
        public static partial void OwnedRecordUnreadable(ILogger logger, string registry, string key, string reason);
    }
}
