using System.Text.Json;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Registry.Adapters.Sync.Serve;

/// <summary>
/// Fans the catalog's changes out to every <c>/v1/watch</c> client. Each revision is encoded once and queued to each
/// client without waiting (a client whose bounded queue is full is dropped, never buffered without bound); the last
/// revisions are kept for <c>Last-Event-ID</c> resume, and a client whose gap can no longer be replayed gets a snapshot.
/// </summary>
internal sealed partial class WatchHub : BackgroundService
{
    private readonly IMeshCatalog _catalog;
    private readonly ServeSettings _settings;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly ServeMetrics? _metrics;
    private readonly Lock _gate = new();
    private readonly List<SseClient> _clients = [];
    private readonly LinkedList<(long? Id, byte[] Encoded)> _replay = new();
    private readonly Dictionary<string, (ServeRegistryDocument Status, DateTimeOffset Changed)> _registryChanges = new(StringComparer.Ordinal);
    private long _replayBytes;
    private long _base = -1;
    private string _registriesKey = "";
    private ServeRegistriesDocument _registries = new();
    private byte[] _registriesEvent = [];

    public WatchHub(IMeshCatalog catalog, ServeSettings settings, TimeProvider time, ILogger<WatchHub> logger, ServeMetrics? metrics = null)
    {
        _catalog = catalog;
        _settings = settings;
        _time = time;
        _logger = logger;
        _metrics = metrics;
        lock (_gate)
        {
            UpdateRegistries(catalog.Current);
        }
    }

    /// <summary>The connected clients.</summary>
    public int ClientCount
    {
        get
        {
            lock (_gate)
            {
                return _clients.Count;
            }
        }
    }

    /// <summary>Registry statuses and conflicts as this server last saw them, with their last-change times.</summary>
    public ServeRegistriesDocument Registries
    {
        get
        {
            lock (_gate)
            {
                RefreshRegistries();
                return new ServeRegistriesDocument { Revision = _registries.Revision, Registries = _registries.Registries, Conflicts = _registries.Conflicts };
            }
        }
    }

    /// <summary>Adds a client, or returns <see langword="null"/> when <see cref="ServeSettings.MaxSseClients"/> are connected.</summary>
    /// <param name="lastEventId">The client's Last-Event-ID, when it resumes.</param>
    /// <returns>The client and what to send it first.</returns>
    public WatchSubscription? Subscribe(long? lastEventId)
    {
        lock (_gate)
        {
            if (_clients.Count >= _settings.MaxSseClients)
            {
                return null;
            }

            var current = _catalog.Current;
            RefreshRegistries();
            SseClient client;
            WatchSubscription subscription;
            if (lastEventId is { } last && _base >= 0 && last >= _base && last <= current.Revision)
            {
                client = new SseClient(this, _settings.SseClientBuffer, last);
                var replay = _replay.Where(e => e.Id is { } id && id > last).Select(static e => e.Encoded).ToList();
                replay.Add(_registriesEvent);
                subscription = new WatchSubscription(client, replay, null, null);
            }
            else
            {
                client = new SseClient(this, _settings.SseClientBuffer, current.Revision);
                var registries = new ServeRegistriesDocument { Revision = _registries.Revision, Registries = _registries.Registries, Conflicts = _registries.Conflicts };
                subscription = new WatchSubscription(client, [], current, registries);
                if (lastEventId is not null)
                {
                    _metrics?.SnapshotResent();
                }
            }

            _clients.Add(client);
            return subscription;
        }
    }

    /// <summary>Removes a client (its connection ended).</summary>
    public void Remove(SseClient client)
    {
        lock (_gate)
        {
            _clients.Remove(client);
        }

        client.Complete();
    }

    /// <summary>Recomputes the registry documents; a change of any registry's status sets its last-change time.</summary>
    /// <returns><see langword="true"/> when statuses or conflicts changed.</returns>
    private bool UpdateRegistries(MeshSnapshot snapshot)
    {
        var statuses = snapshot.Registries.Select(ServeProjection.ToDocument).ToList();
        var conflicts = snapshot.Conflicts.Select(ServeProjection.ToDocument).ToList();
        var key = JsonSerializer.Serialize(new ServeRegistriesDocument { Registries = statuses, Conflicts = conflicts }, ServeJsonContext.Default.ServeRegistriesDocument);
        if (string.Equals(key, _registriesKey, StringComparison.Ordinal))
        {
            return false;
        }

        var now = _time.GetUtcNow();
        for (var i = 0; i < statuses.Count; i++)
        {
            var status = statuses[i];
            if (!_registryChanges.TryGetValue(status.Name, out var seen) || seen.Status != status)
            {
                seen = (status, now);
                _registryChanges[status.Name] = seen;
            }

            statuses[i] = status with { LastChange = seen.Changed };
        }

        _registriesKey = key;
        _registries = new ServeRegistriesDocument { Revision = snapshot.Revision, Registries = statuses, Conflicts = conflicts };
        _registriesEvent = WatchEvents.Registries(new ServeRegistriesDocument { Revision = snapshot.Revision, Registries = statuses, Conflicts = conflicts });
        return true;
    }
}

/// <summary>A new client and what it gets first: replayed events, or a snapshot to encode.</summary>
/// <param name="Client">The client.</param>
/// <param name="Replay">Encoded events to send first (resume).</param>
/// <param name="Snapshot">The snapshot to send first, when the client does not resume.</param>
/// <param name="Registries">The registries of that snapshot.</param>
internal sealed record WatchSubscription(SseClient Client, IReadOnlyList<byte[]> Replay, MeshSnapshot? Snapshot, ServeRegistriesDocument? Registries);
