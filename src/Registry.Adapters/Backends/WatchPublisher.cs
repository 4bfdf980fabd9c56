using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Registry.Adapters.Backends;

/// <summary>
/// Holds what one backend watch has published and turns the backend's findings into <see cref="IServiceRegistry"/>
/// events with the contract's guarantees: a snapshot first (skipped records found before it travel inside it), a
/// change only when a service really changed, every skipped record reported and logged exactly once, and a state
/// event only on a transition. Each backend keeps its own loop (blocking queries, streams, polling) and sends all of
/// its output through one publisher per watch. Not thread-safe: use it from the watch's loop.
/// </summary>
public sealed partial class WatchPublisher
{
    private readonly string _registry;
    private readonly ILogger _logger;
    private readonly Dictionary<string, IReadOnlyList<ServiceInstance>> _published = new(StringComparer.Ordinal);
    private readonly List<SkippedRecord> _pendingSkipped = [];
    private HashSet<SkippedRecord> _reported = [];
    private RegistryConnectionState? _state;
    private string? _error;

    /// <summary>Creates a publisher for one watch.</summary>
    /// <param name="registry">The registry name, for logs.</param>
    /// <param name="logger">Logs each skipped record once. <value>The default value is no logging.</value></param>
    public WatchPublisher(string registry, ILogger? logger = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(registry);
        _registry = registry;
        _logger = logger ?? NullLogger.Instance;
    }

    /// <summary>Whether the first snapshot has been published.</summary>
    public bool HasSnapshot { get; private set; }

    /// <summary>The last state published, if any.</summary>
    public RegistryConnectionState? State => _state;

    /// <summary>The instances of each service as last published.</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<ServiceInstance>> Published => _published;

    /// <summary>
    /// Publishes the registry's full content (the first snapshot, or a resync). Records skipped since the last snapshot
    /// that the snapshot does not list are added to it; its skipped records are logged once and are not reported again
    /// as <see cref="RecordSkippedEvent"/>s.
    /// </summary>
    /// <param name="snapshot">The content.</param>
    /// <param name="output">Receives the event.</param>
    /// <returns>The snapshot as published.</returns>
    public RegistrySnapshot PublishSnapshot(RegistrySnapshot snapshot, ICollection<RegistryEvent> output)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        ArgumentNullException.ThrowIfNull(output);
        var skipped = new List<SkippedRecord>(snapshot.Skipped.Count + _pendingSkipped.Count);
        var reported = new HashSet<SkippedRecord>();
        foreach (var record in snapshot.Skipped.Concat(_pendingSkipped))
        {
            if (reported.Add(record))
            {
                skipped.Add(record);
                if (!_reported.Contains(record))
                {
                    Log.RecordSkipped(_logger, _registry, record.Key, record.Reason);
                }
            }
        }

        _pendingSkipped.Clear();
        _reported = reported;
        var published = skipped.Count == snapshot.Skipped.Count ? snapshot : snapshot with { Skipped = skipped };
        _published.Clear();
        foreach (var (service, instances) in published.Services)
        {
            if (instances.Count > 0)
            {
                _published[service] = instances;
            }
        }

        output.Add(new RegistrySnapshotEvent(published, IsResync: HasSnapshot));
        HasSnapshot = true;
        return published;
    }

    /// <summary>Publishes the full new instance set of one service, unless it equals what was last published.</summary>
    /// <param name="service">The source service name.</param>
    /// <param name="instances">Its instances now; empty when it is gone.</param>
    /// <param name="revision">The backend's revision after the change, if any.</param>
    /// <param name="output">Receives the event.</param>
    /// <returns>Whether an event was published.</returns>
    public bool PublishService(string service, IReadOnlyList<ServiceInstance> instances, string? revision, ICollection<RegistryEvent> output)
    {
        ArgumentNullException.ThrowIfNull(service);
        ArgumentNullException.ThrowIfNull(instances);
        ArgumentNullException.ThrowIfNull(output);
        var before = _published.TryGetValue(service, out var known) ? known : [];
        if (before.SequenceEqual(instances))
        {
            return false;
        }

        if (instances.Count == 0)
        {
            _published.Remove(service);
        }
        else
        {
            _published[service] = instances;
        }

        if (HasSnapshot)
        {
            output.Add(new ServiceChangedEvent(service, instances, revision));
        }

        return HasSnapshot;
    }

    /// <summary>
    /// Reports a record the backend skipped. Before the first snapshot it is kept for that snapshot; after, it is one
    /// <see cref="RecordSkippedEvent"/>, unless the same record was already reported since the last snapshot.
    /// </summary>
    /// <param name="record">The record.</param>
    /// <param name="output">Receives the event.</param>
    /// <returns>Whether the record was new.</returns>
    public bool PublishSkipped(SkippedRecord record, ICollection<RegistryEvent> output)
    {
        ArgumentNullException.ThrowIfNull(record);
        ArgumentNullException.ThrowIfNull(output);
        if (!_reported.Add(record))
        {
            return false;
        }

        Log.RecordSkipped(_logger, _registry, record.Key, record.Reason);
        if (HasSnapshot)
        {
            output.Add(new RecordSkippedEvent(record));
        }
        else
        {
            _pendingSkipped.Add(record);
        }

        return true;
    }

    /// <summary>Reports records the backend skipped (see <see cref="PublishSkipped(SkippedRecord, ICollection{RegistryEvent})"/>).</summary>
    /// <param name="records">The records.</param>
    /// <param name="output">Receives the events.</param>
    public void PublishSkipped(IEnumerable<SkippedRecord> records, ICollection<RegistryEvent> output)
    {
        ArgumentNullException.ThrowIfNull(records);
        foreach (var record in records)
        {
            PublishSkipped(record, output);
        }
    }

    /// <summary>Publishes the watch's connection state when it differs from the last one (state or error).</summary>
    /// <param name="state">The state.</param>
    /// <param name="error">What went wrong, without secrets.</param>
    /// <param name="retryIn">When the next attempt is due.</param>
    /// <param name="output">Receives the event.</param>
    /// <returns>Whether an event was published.</returns>
    public bool PublishState(RegistryConnectionState state, string? error, TimeSpan? retryIn, ICollection<RegistryEvent> output)
    {
        ArgumentNullException.ThrowIfNull(output);
        if (_state == state && string.Equals(_error, error, StringComparison.Ordinal))
        {
            return false;
        }

        _state = state;
        _error = error;
        output.Add(new RegistryStateEvent(state, error, retryIn));
        return true;
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 1500, Level = LogLevel.Warning, Message = "Registry {Registry}: skipped record {Key}: {Reason}")]
        public static partial void RecordSkipped(ILogger logger, string registry, string key, string reason);
    }
}
