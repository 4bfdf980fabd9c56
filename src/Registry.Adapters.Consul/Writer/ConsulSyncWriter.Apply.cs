using System.Globalization;
using System.Net;
using Registry.Adapters.Consul.Client;
using Registry.Adapters.Sync;

namespace Registry.Adapters.Consul;

/// <summary>Applying a batch: validate, diff against what the sync id owns, write in conditional transactions.</summary>
internal sealed partial class ConsulSyncWriter
{
    public async Task<WriteResult> ApplyAsync(WriteBatch batch, CancellationToken cancellationToken)
    {
        WriterChecks.CheckBatch(batch);
        var fence = FenceOf(batch);
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var requests = 0;
            if (!_owned.TryGetValue(batch.SyncId, out var state))
            {
                state = await ListLockedAsync(batch.SyncId, cancellationToken).ConfigureAwait(false);
                requests += 2;
            }

            // Operation 0 of every transaction under a fence: the election key must still be held by the leader's session, else nothing is applied.
            var fenceOp = fence is null ? null : ConsulTxnBody.Of(new ConsulTxnOp { KV = new ConsulTxnKvOp { Verb = "check-session", Key = fence.Key, Session = fence.Holder } });
            var nodeOp = ConsulTxnBody.Of(NodeOperation(batch.SyncId));
            var budget = new TxnBudget(_registry.Settings.TxnMaxRequestBytes, fenceOp, nodeOp);
            var (writes, rejected, created, updated, deleted) = Plan(batch, state, budget);
            if (writes.Count == 0)
            {
                return new WriteResult { Rejected = rejected, Requests = requests, Created = created, Updated = updated, Deleted = deleted };
            }

            try
            {
                ulong last = 0;
                foreach (var chunk in Chunk(writes, state.NodeExists, budget))
                {
                    var body = new ConsulTxnBody();
                    if (fenceOp is not null)
                    {
                        body.Add(fenceOp);
                    }

                    var writesNode = !state.NodeExists && chunk.Any(static w => w.Record is not null);
                    if (writesNode)
                    {
                        body.Add(nodeOp);
                    }

                    foreach (var write in chunk)
                    {
                        body.Add(write.Operations);
                    }

                    var operationCount = body.Count;
                    var response = await SendTxnAsync(body.ToArray(), cancellationToken).ConfigureAwait(false);
                    requests++;
                    var answer = Parse(response.Body, ConsulTxnJsonContext.Default.ConsulTxnResponse, "/v1/txn") ?? new ConsulTxnResponse();
                    if (response.Status == HttpStatusCode.Conflict)
                    {
                        var error = answer.Errors is { Count: > 0 } errors
                            ? string.Join("; ", errors.Take(3).Select(static e => $"operation {e.OpIndex.ToString(CultureInfo.InvariantCulture)}: {ServiceInstanceValidator.Printable(e.What, 200)}"))
                            : "no error given";
                        Log.RolledBack(Logger, _registry.Name, operationCount, error);
                        if (fence is not null && answer.Errors?.Any(static e => e.OpIndex == 0) == true)
                        {
                            throw new WriteFenceLostException(
                                $"the Consul key '{ServiceInstanceValidator.Printable(fence.Key)}' is no longer held by session {ServiceInstanceValidator.Printable(fence.Holder ?? string.Empty)}: another replica leads now, and nothing of the transaction of {operationCount.ToString(CultureInfo.InvariantCulture)} operations was written");
                        }

                        throw new RegistryException(
                            $"Consul rolled back a transaction of {operationCount.ToString(CultureInfo.InvariantCulture)} operations (nothing of it was written; the owned records are listed again): {error}");
                    }

                    var indexes = new Dictionary<string, ulong>(StringComparer.Ordinal);
                    foreach (var result in answer.Results ?? [])
                    {
                        if (result.Service?.ID is { } id)
                        {
                            indexes[id] = result.Service.ModifyIndex;
                            last = Math.Max(last, result.Service.ModifyIndex);
                        }
                    }

                    state.NodeExists |= writesNode;
                    Record(state, chunk, indexes);
                }

                state.Index = Math.Max(state.Index, last);
                return new WriteResult
                {
                    Created = created,
                    Updated = updated,
                    Deleted = deleted,
                    Requests = requests,
                    Rejected = rejected,
                    Revision = last == 0 ? null : last.ToString(CultureInfo.InvariantCulture),
                };
            }
            catch (RegistryException)
            {
                Reset(batch.SyncId);
                throw;
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Sends one transaction; a 413 (the body over the servers' <c>limits.txn_max_req_len</c>) becomes an error that names the setting.</summary>
    private async Task<ConsulResponse> SendTxnAsync(byte[] body, CancellationToken cancellationToken)
    {
        try
        {
            return await Client.TxnAsync(body, cancellationToken).ConfigureAwait(false);
        }
        catch (ConsulHttpException ex) when (ex.StatusCode == HttpStatusCode.RequestEntityTooLarge)
        {
            throw new RegistryException(
                $"Consul refused a transaction of {body.Length.ToString(CultureInfo.InvariantCulture)} bytes as too large (nothing of it was written): {ex.Body}. "
                + $"Set TxnMaxRequestBytes of registry '{_registry.Name}' (now {_registry.Settings.TxnMaxRequestBytes.ToString(CultureInfo.InvariantCulture)}) to the servers' limits.txn_max_req_len.",
                ex);
        }
    }

    private (List<PlannedWrite> Writes, List<SkippedRecord> Rejected, int Created, int Updated, int Deleted) Plan(WriteBatch batch, OwnedState state, TxnBudget budget)
    {
        var rejected = new List<SkippedRecord>();
        var upserts = new List<PlannedWrite>();
        var deletes = new List<PlannedWrite>();
        int created = 0, updated = 0, deleted = 0;
        foreach (var (service, desired) in batch.Services)
        {
            var accepted = Accept(service, desired, batch.SyncId, state, rejected);
            var diff = OwnedDiff.Compute(state.Of(service), accepted);
            foreach (var instance in diff.Creates)
            {
                if (Fits(Upsert(service, instance, old: null, batch.SyncId), budget, rejected) is { } write)
                {
                    upserts.Add(write);
                    created++;
                }
            }

            foreach (var (old, instance) in diff.Updates)
            {
                if (Fits(Upsert(service, instance, state.Find(service, old.Id), batch.SyncId), budget, rejected) is { } write)
                {
                    upserts.Add(write);
                    updated++;
                }
            }

            foreach (var old in diff.Deletes)
            {
                var record = state.Find(service, old.Id)!;
                deletes.Add(new PlannedWrite(service, null, null, record, ConsulTxnBody.Of(DeleteOperation(batch.SyncId, record))));
            }

            deleted += diff.Deletes.Count;
        }

        // Creates and updates go before deletes (the chunks are sent in this order).
        return ([.. upserts, .. deletes], rejected, created, updated, deleted);
    }

    private List<ServiceInstance> Accept(string service, IReadOnlyList<ServiceInstance> desired, string syncId, OwnedState state, List<SkippedRecord> rejected) =>
        WriterChecks.Accept(
            service,
            desired,
            syncId,
            _normalized,
            instance => TryNormalize(instance, out var stored, out var reason) ? (stored, null) : (null, reason),
            instance => ConsulConflict(service, instance, syncId, state),
            rejected);

    private static string? ConsulConflict(string service, ServiceInstance instance, string syncId, OwnedState state)
    {
        var serviceId = ConsulMapper.MirroredServiceId(service, instance.Id);
        return state.Foreign.Contains(serviceId)
            ? $"Consul holds a service '{ServiceInstanceValidator.Printable(serviceId)}' on node '{syncId}' that the sync does not own"
            : state.ServiceIds.TryGetValue(serviceId, out var other) && !string.Equals(other, service, StringComparison.Ordinal)
                ? $"the Consul service id '{ServiceInstanceValidator.Printable(serviceId)}' is taken by service '{ServiceInstanceValidator.Printable(other)}'"
                : null;
    }

    /// <summary>The write, or <see langword="null"/> with the instance rejected when its operations alone exceed one transaction's bytes.</summary>
    private static PlannedWrite? Fits(PlannedWrite write, TxnBudget budget, List<SkippedRecord> rejected)
    {
        if (budget.Fits(write.Operations))
        {
            return write;
        }

        rejected.Add(new SkippedRecord(
            WriterChecks.Describe(write.Service, write.Instance!),
            $"its Consul registration takes {write.Operations.Bytes.ToString(CultureInfo.InvariantCulture)} bytes of /v1/txn, more than one transaction may carry "
            + $"(TxnMaxRequestBytes {budget.MaxBytes.ToString(CultureInfo.InvariantCulture)}, the servers' limits.txn_max_req_len); shorten its tags or metadata"));
        return null;
    }

    private PlannedWrite Upsert(string service, ServiceInstance instance, OwnedRecord? old, string syncId)
    {
        var record = ConsulCatalogRecord.From(instance, _registry.Settings, syncId);
        var operations = new List<ConsulTxnOp>(4);
        var sameId = old is not null && string.Equals(old.ServiceId, record.Service.ID, StringComparison.Ordinal);
        record.Service.ModifyIndex = sameId ? old!.ModifyIndex : 0;
        operations.Add(new ConsulTxnOp { Service = new ConsulTxnServiceOp { Verb = "cas", Node = syncId, Service = record.Service } });
        operations.AddRange(record.Checks.Select(static c => new ConsulTxnOp { Check = new ConsulTxnCheckOp { Verb = "set", Check = c } }));
        if (sameId && old!.Instance.Health == HealthStatus.Draining && instance.Health != HealthStatus.Draining)
        {
            operations.Add(new ConsulTxnOp
            {
                Check = new ConsulTxnCheckOp { Verb = "delete", Check = new ConsulTxnCheck { Node = syncId, CheckID = ConsulCatalogRecord.MaintenanceCheckId(old.ServiceId) } },
            });
        }

        if (old is not null && !sameId)
        {
            operations.Add(DeleteOperation(syncId, old));
        }

        return new PlannedWrite(service, instance, record, old, ConsulTxnBody.Of(operations));
    }

    private ConsulTxnOp DeleteOperation(string syncId, OwnedRecord record) => new()
    {
        Service = new ConsulTxnServiceOp
        {
            Verb = "delete-cas",
            Node = syncId,
            Service = new ConsulTxnService { ID = record.ServiceId, ModifyIndex = record.ModifyIndex, Namespace = _registry.Settings.Namespace, Partition = _registry.Settings.Partition },
        },
    };

    private ConsulTxnOp NodeOperation(string syncId) => new()
    {
        Node = new ConsulTxnNodeOp
        {
            Verb = "set",
            Node = new ConsulTxnNode
            {
                Node = syncId,
                Address = NodeAddress,
                Datacenter = _registry.Settings.Datacenter,
                Partition = _registry.Settings.Partition,
                Meta = new Dictionary<string, string>(StringComparer.Ordinal)
                {
                    [ConsulCatalogRecord.ExternalSourceKey] = ConsulCatalogRecord.Marker,
                    [SyncMetadata.SyncIdKey] = syncId,
                },
            },
        },
    };

    /// <summary>
    /// The batch's fence when this registry holds it (a Consul election on the same servers), else <see langword="null"/>:
    /// the sync checks leadership before the batch, and the fence cannot be checked here.
    /// </summary>
    private WriteFence? FenceOf(WriteBatch batch)
    {
        if (batch.Fence is not { } fence || !string.Equals(fence.Registry, _registry.Name, StringComparison.Ordinal))
        {
            return null;
        }

        return string.IsNullOrEmpty(fence.Holder) || string.IsNullOrEmpty(fence.Key)
            ? throw new ArgumentException($"The write fence of Consul registry '{_registry.Name}' needs its key and the holding session (Holder).", nameof(batch))
            : fence;
    }

    /// <summary>
    /// Groups the writes into transactions of at most <see cref="MaxOpsPerTxn"/> operations and
    /// <see cref="TxnBudget.MaxBytes"/> bytes (the fence, and the node's set until the node exists, taken first); one
    /// instance's operations stay together.
    /// </summary>
    private static IEnumerable<List<PlannedWrite>> Chunk(List<PlannedWrite> writes, bool nodeExists, TxnBudget budget)
    {
        var chunk = new List<PlannedWrite>();
        var (count, bytes) = budget.Reserved(withNode: !nodeExists);
        foreach (var write in writes)
        {
            if (chunk.Count > 0 && (count + write.Operations.Count > MaxOpsPerTxn || bytes + write.Operations.Bytes + 1 > budget.MaxBytes))
            {
                yield return chunk;
                chunk = [];
                (count, bytes) = budget.Reserved(withNode: false);
            }

            chunk.Add(write);
            count += write.Operations.Count;
            bytes += write.Operations.Bytes + 1;
        }

        if (chunk.Count > 0)
        {
            yield return chunk;
        }
    }

    private static void Record(OwnedState state, List<PlannedWrite> chunk, Dictionary<string, ulong> indexes)
    {
        foreach (var write in chunk)
        {
            if (write.Old is { } old)
            {
                state.Remove(write.Service, old);
            }

            if (write.Instance is { } instance && write.Record is { } record)
            {
                if (!indexes.TryGetValue(record.Service.ID, out var index))
                {
                    throw new RegistryException($"Consul's answer to the transaction has no result for service '{ServiceInstanceValidator.Printable(record.Service.ID)}'; the owned records are listed again");
                }

                state.Set(write.Service, new OwnedRecord(instance, record.Service.ID, index));
            }
        }
    }

    /// <summary>One instance's write: its operations, the record it leaves (none for a delete) and the record it replaces.</summary>
    private sealed record PlannedWrite(string Service, ServiceInstance? Instance, ConsulCatalogRecord? Record, OwnedRecord? Old, ConsulTxnBody.Elements Operations);

    /// <summary>What one transaction may carry: <paramref name="MaxBytes"/> of body, of which the fence and the node's set take their share.</summary>
    private sealed record TxnBudget(int MaxBytes, ConsulTxnBody.Elements? Fence, ConsulTxnBody.Elements Node)
    {
        /// <summary>The operations and bytes a transaction holds before its writes: brackets, the fence, and the node's set when <paramref name="withNode"/>.</summary>
        public (int Operations, int Bytes) Reserved(bool withNode) =>
            ((Fence?.Count ?? 0) + (withNode ? Node.Count : 0), 2 + (Fence is null ? 0 : Fence.Bytes + 1) + (withNode ? Node.Bytes + 1 : 0));

        /// <summary>Whether one write fits a transaction of its own, with the fence and the node's set.</summary>
        public bool Fits(ConsulTxnBody.Elements write) => Reserved(withNode: true).Bytes + write.Bytes + 1 <= MaxBytes;
    }
}
