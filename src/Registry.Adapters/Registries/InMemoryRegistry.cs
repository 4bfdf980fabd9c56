using System.Collections.Immutable;
using System.Runtime.CompilerServices;
using System.Threading.Channels;

namespace Registry.Adapters;

/// <summary>
/// A registry held in memory: for tests of code that consumes the mesh, and for instances an
/// application knows without a backend. Thread-safe; every change is pushed to active watches.
/// </summary>
public sealed class InMemoryRegistry : IServiceRegistry
{
    private readonly Lock _gate = new();
    private readonly List<Channel<RegistryEvent>> _watchers = [];
    private ImmutableSortedDictionary<string, ImmutableSortedDictionary<string, ServiceInstance>> _services =
        ImmutableSortedDictionary.Create<string, ImmutableSortedDictionary<string, ServiceInstance>>(StringComparer.Ordinal);
    private long _revision;
    private string? _failure;
    private bool _disposed;

    /// <summary>Creates an empty registry.</summary>
    /// <param name="name">The registry name. <value>The default value is <c>memory</c>.</value></param>
    public InMemoryRegistry(string name = "memory")
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        Name = name;
    }

    /// <inheritdoc />
    public string Name { get; }

    /// <inheritdoc />
    public string Kind => "memory";

    /// <summary>Adds or replaces an instance (by service and id).</summary>
    /// <param name="instance">The instance; it must pass <see cref="ServiceInstanceValidator.Validate"/>.</param>
    /// <exception cref="ArgumentException">The instance is invalid.</exception>
    public void Set(ServiceInstance instance)
    {
        ArgumentNullException.ThrowIfNull(instance);
        if (ServiceInstanceValidator.Validate(instance) is { } error)
        {
            throw new ArgumentException(error, nameof(instance));
        }

        lock (_gate)
        {
            var ids = _services.TryGetValue(instance.Service, out var existing)
                ? existing
                : ImmutableSortedDictionary.Create<string, ServiceInstance>(StringComparer.Ordinal);
            if (ids.TryGetValue(instance.Id, out var old) && old.Equals(instance))
            {
                return;
            }

            ids = ids.SetItem(instance.Id, instance);
            _services = _services.SetItem(instance.Service, ids);
            PublishLocked(instance.Service, ids);
        }
    }

    /// <summary>Removes an instance.</summary>
    /// <param name="service">The service name.</param>
    /// <param name="id">The instance id.</param>
    /// <returns><see langword="true"/> when the instance existed.</returns>
    public bool Remove(string service, string id)
    {
        lock (_gate)
        {
            if (!_services.TryGetValue(service, out var ids) || !ids.ContainsKey(id))
            {
                return false;
            }

            ids = ids.Remove(id);
            _services = ids.IsEmpty ? _services.Remove(service) : _services.SetItem(service, ids);
            PublishLocked(service, ids);
            return true;
        }
    }

    /// <summary>Makes the registry fail: reads throw, watches report <see cref="RegistryConnectionState.Retrying"/> with <paramref name="error"/>.</summary>
    /// <param name="error">The error to report.</param>
    public void Fail(string error)
    {
        lock (_gate)
        {
            _failure = error;
            BroadcastLocked(new RegistryStateEvent(RegistryConnectionState.Retrying, error, TimeSpan.FromSeconds(1)));
        }
    }

    /// <summary>Ends a failure: watches report <see cref="RegistryConnectionState.Connected"/> and resync.</summary>
    public void Recover()
    {
        lock (_gate)
        {
            _failure = null;
            BroadcastLocked(new RegistryStateEvent(RegistryConnectionState.Connected));
            BroadcastLocked(new RegistrySnapshotEvent(SnapshotLocked(), IsResync: true));
        }
    }

    /// <summary>Sends every watch a fresh snapshot marked as a resync, as a backend does after compaction or a 410.</summary>
    public void ForceResync()
    {
        lock (_gate)
        {
            BroadcastLocked(new RegistrySnapshotEvent(SnapshotLocked(), IsResync: true));
        }
    }

    /// <inheritdoc />
    public Task<RegistrySnapshot> ReadAsync(CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            return _failure is null
                ? Task.FromResult(SnapshotLocked())
                : Task.FromException<RegistrySnapshot>(new RegistryException(_failure));
        }
    }

    /// <inheritdoc />
    public async IAsyncEnumerable<RegistryEvent> WatchAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var channel = Channel.CreateUnbounded<RegistryEvent>(new UnboundedChannelOptions { SingleReader = true });
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_failure is null)
            {
                channel.Writer.TryWrite(new RegistryStateEvent(RegistryConnectionState.Connected));
                channel.Writer.TryWrite(new RegistrySnapshotEvent(SnapshotLocked()));
            }
            else
            {
                channel.Writer.TryWrite(new RegistryStateEvent(RegistryConnectionState.Retrying, _failure, TimeSpan.FromSeconds(1)));
            }

            _watchers.Add(channel);
        }

        try
        {
            while (await channel.Reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
            {
                while (channel.Reader.TryRead(out var item))
                {
                    yield return item;
                }
            }
        }
        finally
        {
            lock (_gate)
            {
                _watchers.Remove(channel);
            }
        }
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync()
    {
        lock (_gate)
        {
            _disposed = true;
            foreach (var watcher in _watchers)
            {
                watcher.Writer.TryComplete();
            }

            _watchers.Clear();
        }

        return ValueTask.CompletedTask;
    }

    private RegistrySnapshot SnapshotLocked() => new()
    {
        Services = _services.ToImmutableDictionary(
            static p => p.Key,
            static p => (IReadOnlyList<ServiceInstance>)[.. p.Value.Values],
            StringComparer.Ordinal),
        Revision = _revision.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };

    private void PublishLocked(string service, ImmutableSortedDictionary<string, ServiceInstance> ids)
    {
        _revision++;
        if (_failure is null)
        {
            BroadcastLocked(new ServiceChangedEvent(service, [.. ids.Values], _revision.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        }
    }

    private void BroadcastLocked(RegistryEvent item)
    {
        foreach (var watcher in _watchers)
        {
            watcher.Writer.TryWrite(item);
        }
    }
}
