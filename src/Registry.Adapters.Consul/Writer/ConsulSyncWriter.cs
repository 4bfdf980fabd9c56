using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Registry.Adapters.Consul.Client;
using Registry.Adapters.Sync;

namespace Registry.Adapters.Consul;

/// <summary>
/// Writes mirrored instances into Consul's catalog, never through an agent (whose anti-entropy would remove what it
/// did not register): every record of one sync id lives on a synthetic node named after the sync id, as a service
/// with catalog checks carrying its mapped health, its meta carrying the ownership markers. Writes are batched into
/// <c>PUT /v1/txn</c> transactions of at most <see cref="MaxOpsPerTxn"/> operations, each conditional on what the
/// sync listed (a create only if the service id is free, an update or delete only at the listed <c>ModifyIndex</c>),
/// so a record someone else changed meanwhile rolls the transaction back instead of being overwritten.
/// </summary>
internal sealed partial class ConsulSyncWriter : IDisposable
{
    /// <summary>Operations per transaction: Consul's long-standing limit (raised to 128 in later versions).</summary>
    internal const int MaxOpsPerTxn = 64;

    /// <summary>The address of the synthetic node (it runs no agent; every mirrored service carries its own address).</summary>
    internal const string NodeAddress = "127.0.0.1";

    private readonly ConsulServiceRegistry _registry;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly Dictionary<string, OwnedState> _owned = new(StringComparer.Ordinal);

    private readonly NormalizedInstances _normalized = new();
    private int _normalizations;

    public ConsulSyncWriter(ConsulServiceRegistry registry) => _registry = registry;

    /// <summary>How many instances were normalized: what a batch of instances this writer normalized itself does not repeat.</summary>
    internal int Normalizations => Volatile.Read(ref _normalizations);

    private ConsulClient Client => _registry.Client;

    private ILogger Logger => _registry.Logger;

    /// <summary>
    /// The instance as the catalog stores it and the registry reads it back (one port, Consul's meta rules, health as a
    /// check status), remembered so that <see cref="ApplyAsync"/> does not normalize it again.
    /// </summary>
    public bool TryNormalize(ServiceInstance desired, [NotNullWhen(true)] out ServiceInstance? stored, [NotNullWhen(false)] out string? reason)
    {
        ArgumentNullException.ThrowIfNull(desired);
        Interlocked.Increment(ref _normalizations);
        stored = null;
        reason = ServiceInstanceValidator.Validate(desired);
        if (reason is not null)
        {
            return false;
        }

        var node = SyncMetadata.GetSyncId(desired) is { } id && SyncMetadata.ValidateSyncId(id) is null ? id : SyncMetadata.DefaultSyncId;
        var record = ConsulCatalogRecord.From(desired, _registry.Settings, node);
        if (!record.TryRead(_registry.Mapper, node, out stored, out reason))
        {
            return false;
        }

        if (!string.Equals(stored.Id, desired.Id, StringComparison.Ordinal))
        {
            reason = "the instance id does not survive a round trip through a Consul service id";
            stored = null;
            return false;
        }

        if (SyncMetadata.GetSyncId(stored) != SyncMetadata.GetSyncId(desired) || SyncMetadata.GetOrigin(stored) != SyncMetadata.GetOrigin(desired))
        {
            reason = "Consul's service meta cannot carry the ownership markers (at most 64 entries, keys of letters, digits, '-' and '_', values up to 512 characters)";
            stored = null;
            return false;
        }

        stored = _normalized.Remember(stored);
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
                Services = state.Owned.ToDictionary(
                    static p => p.Key,
                    static p => (IReadOnlyList<ServiceInstance>)[.. p.Value.Values.Select(static r => r.Instance).OrderBy(static i => i.Id, StringComparer.Ordinal)],
                    StringComparer.Ordinal),
                Revision = state.Index.ToString(CultureInfo.InvariantCulture),
            };
        }
        finally
        {
            _gate.Release();
        }
    }

    public void Dispose() => _gate.Dispose();

    private void Reset(string syncId) => _owned.Remove(syncId);

    private async Task<OwnedState> ListLockedAsync(string syncId, CancellationToken cancellationToken)
    {
        _owned.Remove(syncId);
        var nodeResponse = await Client.GetCatalogNodeAsync(syncId, cancellationToken).ConfigureAwait(false);
        var node = Parse(nodeResponse.Body, ConsulTxnJsonContext.Default.ConsulCatalogNode, "/v1/catalog/node");
        var checksResponse = await Client.GetHealthNodeAsync(syncId, cancellationToken).ConfigureAwait(false);
        var checks = Parse(checksResponse.Body, ConsulTxnJsonContext.Default.ListConsulHealthCheck, "/v1/health/node") ?? [];
        if (checks.Any(static c => c.CheckID == "serfHealth"))
        {
            throw new RegistryException(
                $"Consul node '{syncId}' is a Consul agent's node (it has a serfHealth check); that agent's anti-entropy would remove mirrored records, so nothing is written there. Give the sync another --sync-id.");
        }

        var state = new OwnedState { NodeExists = node?.Node is not null, Index = nodeResponse.Index };
        foreach (var service in node?.Services?.Values ?? Enumerable.Empty<ConsulCatalogService?>())
        {
            if (service?.ID is not { Length: > 0 } id)
            {
                continue;
            }

            var name = service.Service ?? string.Empty;
            if (service.Meta is null || !service.Meta.TryGetValue(SyncMetadata.SyncIdKey, out var owner) || !string.Equals(owner, syncId, StringComparison.Ordinal))
            {
                state.Foreign.Add(id);
                continue;
            }

            var entry = new ConsulServiceEntry
            {
                Node = node!.Node,
                Service = service.ToAgentService(),
                Checks = [.. checks.Where(c => string.IsNullOrEmpty(c.ServiceID) || c.ServiceID == id)],
            };
            if (ServiceInstanceValidator.ValidateServiceName(name) is { } nameError)
            {
                Log.OwnedRecordUnreadable(Logger, _registry.Name, ServiceInstanceValidator.Printable(id), nameError);
                state.Foreign.Add(id);
                continue;
            }

            if (!ConsulCatalogRecord.TryRead(_registry.Mapper, name, entry, out var instance, out var reason))
            {
                // A record the sync cannot read back is left alone (never rewritten or deleted): it may have been edited by hand.
                Log.OwnedRecordUnreadable(Logger, _registry.Name, ServiceInstanceValidator.Printable(id), reason);
                state.Foreign.Add(id);
                continue;
            }

            state.Set(name, new OwnedRecord(instance, id, service.ModifyIndex));
        }

        _owned[syncId] = state;
        return state;
    }

    private static T? Parse<T>(byte[] body, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type, string what)
    {
        try
        {
            return JsonSerializer.Deserialize(body, type);
        }
        catch (JsonException ex)
        {
            throw new RegistryException($"{what} returned malformed JSON: {ServiceInstanceValidator.Printable(ex.Message, 160)}", ex);
        }
    }

    /// <summary>One owned record: the instance as read back, its Consul service id and the index its CAS writes compare with.</summary>
    private sealed record OwnedRecord(ServiceInstance Instance, string ServiceId, ulong ModifyIndex);

    /// <summary>What one sync id owns on its node, as last listed and written.</summary>
    private sealed class OwnedState
    {
        public bool NodeExists { get; set; }

        public ulong Index { get; set; }

        /// <summary>Owned records by service name, then instance id.</summary>
        public Dictionary<string, Dictionary<string, OwnedRecord>> Owned { get; } = new(StringComparer.Ordinal);

        /// <summary>Service ids on the node that this sync id does not own (never written over).</summary>
        public HashSet<string> Foreign { get; } = new(StringComparer.Ordinal);

        /// <summary>Owned service ids and the service each belongs to.</summary>
        public Dictionary<string, string> ServiceIds { get; } = new(StringComparer.Ordinal);

        public void Set(string service, OwnedRecord record)
        {
            if (!Owned.TryGetValue(service, out var ids))
            {
                ids = new Dictionary<string, OwnedRecord>(StringComparer.Ordinal);
                Owned[service] = ids;
            }

            ids[record.Instance.Id] = record;
            ServiceIds[record.ServiceId] = service;
        }

        public void Remove(string service, OwnedRecord record)
        {
            if (Owned.TryGetValue(service, out var ids) && ids.Remove(record.Instance.Id) && ids.Count == 0)
            {
                Owned.Remove(service);
            }

            ServiceIds.Remove(record.ServiceId);
        }

        public IReadOnlyList<ServiceInstance> Of(string service) =>
            Owned.TryGetValue(service, out var ids) ? [.. ids.Values.Select(static r => r.Instance)] : [];

        public OwnedRecord? Find(string service, string id) =>
            Owned.TryGetValue(service, out var ids) && ids.TryGetValue(id, out var record) ? record : null;
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 4100, Level = LogLevel.Warning, Message = "Consul sync target '{Registry}': the owned record {ServiceId} cannot be read back and is left alone: {Reason}")]
        public static partial void OwnedRecordUnreadable(ILogger logger, string registry, string serviceId, string reason);

        [LoggerMessage(EventId = 4101, Level = LogLevel.Warning, Message = "Consul sync target '{Registry}': a transaction of {Operations} operations was rolled back: {Error}")]
        public static partial void RolledBack(ILogger logger, string registry, int operations, string error);
    }
}
