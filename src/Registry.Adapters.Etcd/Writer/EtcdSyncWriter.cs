using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text;
using Google.Protobuf;
using Microsoft.Extensions.Logging;
using Registry.Adapters.Sync;

namespace Registry.Adapters.Etcd;

/// <summary>
/// Writes mirrored instances into etcd (<c>mesh</c> or <c>kratos</c> format): every record of one sync id is attached
/// to one lease (not one per instance), kept alive here and found again after a restart under
/// <c>/mesh-sync/leases/{syncId}</c>, so a restarted sync reuses it and rewrites nothing; a sync that dies for longer
/// than <see cref="EtcdRegistryOptions.LeaseTtl"/> leaves nothing behind. Writes go in batched transactions, each
/// write conditional on ownership (a create on the key not existing, an update or delete on the key holding the sync's
/// lease) and, with leader election on this etcd, on the leader key.
/// </summary>
internal sealed partial class EtcdSyncWriter : IDisposable
{
    /// <summary>Where the lease of each sync id is recorded (outside every registry prefix).</summary>
    internal const string LeaseKeyPrefix = "/mesh-sync/leases/";

    /// <summary>
    /// Operations per transaction: etcd's default <c>--max-txn-ops</c> of 128 (it bounds the compares and the
    /// operations of a transaction each), so a batch of the sync's default <c>BatchSize</c> of 128 is one transaction;
    /// a fenced transaction carries one write fewer, its first compare being the leader key.
    /// </summary>
    internal const int MaxOpsPerTxn = 128;

    private readonly EtcdServiceRegistry _registry;
    private readonly EtcdRegistryOptions _options;
    private readonly EtcdRecordCodec _codec;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly CancellationTokenSource _stopping = new();
    private readonly Dictionary<string, OwnedState> _owned = new(StringComparer.Ordinal);
    private readonly Dictionary<string, long> _leases = new(StringComparer.Ordinal);
    private readonly NormalizedInstances _normalized = new();
    private int _normalizations;
    private EtcdConnection? _connection;
    private int _endpoint;

    public EtcdSyncWriter(EtcdServiceRegistry registry, EtcdRegistryOptions options, EtcdRecordCodec codec, TimeProvider time, ILogger logger)
    {
        _registry = registry;
        _options = options;
        _codec = codec;
        _time = time;
        _logger = logger;
    }

    private long TtlSeconds => Math.Max(2, (long)Math.Ceiling(_options.LeaseTtl.TotalSeconds));

    /// <summary>How many instances were normalized (encoded and decoded): what a batch of instances this writer normalized itself does not repeat.</summary>
    internal int Normalizations => Volatile.Read(ref _normalizations);

    /// <summary>The instance as etcd stores and reads it back, remembered so that <see cref="ApplyAsync"/> does not normalize it again.</summary>
    public bool TryNormalize(ServiceInstance desired, [NotNullWhen(true)] out ServiceInstance? stored, [NotNullWhen(false)] out string? reason)
    {
        Interlocked.Increment(ref _normalizations);
        if (!TryNormalize(_codec, desired, out var decoded, out reason))
        {
            stored = null;
            return false;
        }

        stored = _normalized.Remember(decoded);
        return true;
    }

    /// <summary>The instance as etcd stores and reads it back: encoded and decoded by the registry's own codec.</summary>
    private static bool TryNormalize(EtcdRecordCodec codec, ServiceInstance desired, [NotNullWhen(true)] out ServiceInstance? stored, [NotNullWhen(false)] out string? reason)
    {
        ArgumentNullException.ThrowIfNull(desired);
        stored = null;
        reason = ServiceInstanceValidator.Validate(desired);
        if (reason is not null)
        {
            return false;
        }

        var decoded = codec.Decode(codec.EncodeKey(desired), codec.EncodeValue(desired));
        if (decoded.Instance is null)
        {
            reason = decoded.Error ?? "the instance does not round-trip through the etcd format";
            return false;
        }

        if (SyncMetadata.GetSyncId(decoded.Instance) != SyncMetadata.GetSyncId(desired) || SyncMetadata.GetOrigin(decoded.Instance) != SyncMetadata.GetOrigin(desired))
        {
            reason = "the etcd format does not carry the ownership markers";
            return false;
        }

        stored = decoded.Instance;
        return true;
    }

    public async Task<OwnedRecords> ListOwnedAsync(string syncId, CancellationToken cancellationToken)
    {
        if (SyncMetadata.ValidateSyncId(syncId) is { } error)
        {
            throw new ArgumentException(error, nameof(syncId));
        }

        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var state = await ListLockedAsync(syncId, cancellationToken).ConfigureAwait(false);
            return new OwnedRecords
            {
                Services = state.Owned.ToDictionary(static p => p.Key, static p => (IReadOnlyList<ServiceInstance>)[.. p.Value.Values.OrderBy(static i => i.Id, StringComparer.Ordinal)], StringComparer.Ordinal),
                Revision = state.Revision.ToString(CultureInfo.InvariantCulture),
            };
        }
        finally
        {
            _gate.Release();
        }
    }

    public void Dispose()
    {
        // The lease is not revoked: a restarted sync finds it and keeps its records; a dead one lets them expire.
        _stopping.Cancel();
        _connection?.Dispose();
    }

    private async Task<EtcdConnection> ConnectionAsync(CancellationToken cancellationToken)
    {
        if (_connection is { } connection)
        {
            return connection;
        }

        RegistryException? last = null;
        for (var i = 0; i < _options.Endpoints.Count; i++)
        {
            try
            {
                _connection = await EtcdConnection.ConnectAsync(_options, _endpoint + i, cancellationToken).ConfigureAwait(false);
                _endpoint += i;
                return _connection;
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                last = ex as RegistryException ?? EtcdErrors.Translate(ex, EtcdRegistryOptions.ParseEndpoint(_options.Endpoints[(_endpoint + i) % _options.Endpoints.Count]), "connecting to write");
            }
        }

        _endpoint++;
        throw last!;
    }

    private void Reset()
    {
        _connection?.Dispose();
        _connection = null;
        _owned.Clear();
    }

    private async Task<OwnedState> ListLockedAsync(string syncId, CancellationToken cancellationToken)
    {
        try
        {
            var connection = await ConnectionAsync(cancellationToken).ConfigureAwait(false);
            var loaded = await _registry.LoadAsync(connection, cancellationToken).ConfigureAwait(false);
            var state = new OwnedState(loaded.Revision);
            foreach (var (service, instances) in loaded.Snapshot.Services)
            {
                foreach (var instance in instances)
                {
                    if (SyncMetadata.IsOwnedBy(instance, syncId))
                    {
                        state.Add(service, instance);
                    }
                    else
                    {
                        state.Foreign.Add((service, instance.Id));
                    }
                }
            }

            foreach (var skipped in loaded.Snapshot.Skipped)
            {
                // An unreadable record under a key is never overwritten: it may be someone else's.
                state.Unreadable.Add(skipped.Key);
            }

            _owned[syncId] = state;
            return state;
        }
        catch (RegistryException)
        {
            Reset();
            throw;
        }
    }

    /// <summary>What one sync id owns, as last listed and written.</summary>
    private sealed class OwnedState(long revision)
    {
        public long Revision { get; set; } = revision;

        public Dictionary<string, Dictionary<string, ServiceInstance>> Owned { get; } = new(StringComparer.Ordinal);

        public HashSet<(string Service, string Id)> Foreign { get; } = [];

        public HashSet<string> Unreadable { get; } = new(StringComparer.Ordinal);

        public long Lease { get; set; }

        public void Add(string service, ServiceInstance instance)
        {
            if (!Owned.TryGetValue(service, out var ids))
            {
                ids = new Dictionary<string, ServiceInstance>(StringComparer.Ordinal);
                Owned[service] = ids;
            }

            ids[instance.Id] = instance;
        }

        public IReadOnlyList<ServiceInstance> Of(string service) =>
            Owned.TryGetValue(service, out var ids) ? [.. ids.Values] : [];
    }

    private static ByteString Bytes(string text) => ByteString.CopyFrom(Encoding.UTF8.GetBytes(text));
}
