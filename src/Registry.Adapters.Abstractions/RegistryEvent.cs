namespace Registry.Adapters;

/// <summary>One event of <see cref="IServiceRegistry.WatchAsync"/>.</summary>
public abstract record RegistryEvent;

/// <summary>The registry's full content: first on every watch, and again on every forced resync.</summary>
/// <param name="Snapshot">The content. Services absent from it are gone.</param>
/// <param name="IsResync"><see langword="true"/> when the backend forced a re-read (compaction, 410 Gone, hash mismatch, reconnect without resume).</param>
public sealed record RegistrySnapshotEvent(RegistrySnapshot Snapshot, bool IsResync = false) : RegistryEvent;

/// <summary>The full new instance set of one service.</summary>
/// <param name="Service">The source service name.</param>
/// <param name="Instances">The service's instances now; empty means the service is gone.</param>
/// <param name="Revision">The backend's native revision after the change, if any.</param>
public sealed record ServiceChangedEvent(string Service, IReadOnlyList<ServiceInstance> Instances, string? Revision = null) : RegistryEvent;

/// <summary>The connection state of the watch changed.</summary>
/// <param name="State">The new state.</param>
/// <param name="Error">What went wrong, for <see cref="RegistryConnectionState.Retrying"/> and <see cref="RegistryConnectionState.Failed"/>. Never carries a secret.</param>
/// <param name="RetryIn">When the next attempt is due, if one is scheduled.</param>
public sealed record RegistryStateEvent(RegistryConnectionState State, string? Error = null, TimeSpan? RetryIn = null) : RegistryEvent
{
    /// <summary>
    /// For <see cref="RegistryConnectionState.Retrying"/> and <see cref="RegistryConnectionState.Failed"/> of a backend
    /// that watches each service on its own (Consul): the source services whose watch is failing now — the complete set,
    /// replacing the one reported before. Only their instances are stale; a change of another service does not end the
    /// failure, a change of one of them ends its part. <see langword="null"/> (the default) means the whole registry.
    /// </summary>
    public IReadOnlyCollection<string>? StaleServices { get; init; }
}

/// <summary>The registry skipped an invalid record; the rest of its data stands.</summary>
/// <param name="Record">The skipped record.</param>
public sealed record RecordSkippedEvent(SkippedRecord Record) : RegistryEvent;

/// <summary>The connection state of a registry watch.</summary>
public enum RegistryConnectionState
{
    /// <summary>Connecting or reading the initial content.</summary>
    Connecting = 0,

    /// <summary>Connected and up to date.</summary>
    Connected = 1,

    /// <summary>A fault occurred; the watch retries with backoff.</summary>
    Retrying = 2,

    /// <summary>A fault that retrying does not cure (bad credentials, missing permission); the watch still retries, slowly.</summary>
    Failed = 3,
}

/// <summary>A record a registry skipped because it was invalid.</summary>
/// <param name="Key">Where it came from (a key, a service/instance id, a file position), sanitised for display.</param>
/// <param name="Reason">Why it was skipped.</param>
public sealed record SkippedRecord(string Key, string Reason);
