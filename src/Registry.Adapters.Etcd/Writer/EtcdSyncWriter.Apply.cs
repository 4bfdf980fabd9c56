using Etcdserverpb;
using Google.Protobuf;
using Registry.Adapters.Sync;

namespace Registry.Adapters.Etcd;

/// <summary>Applying a batch: validate, diff against what the sync id owns, write in conditional transactions.</summary>
internal sealed partial class EtcdSyncWriter
{
    public async Task<WriteResult> ApplyAsync(WriteBatch batch, CancellationToken cancellationToken)
    {
        WriterChecks.CheckBatch(batch);
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var requests = 0;
            if (!_owned.TryGetValue(batch.SyncId, out var state))
            {
                state = await ListLockedAsync(batch.SyncId, cancellationToken).ConfigureAwait(false);
                requests++;
            }

            var (ops, rejected, created, updated, deleted) = Plan(batch, state);
            if (ops.Count == 0)
            {
                return new WriteResult { Rejected = rejected, Requests = requests };
            }

            try
            {
                var connection = await ConnectionAsync(cancellationToken).ConfigureAwait(false);
                var lease = await EnsureLeaseAsync(connection, batch.SyncId, state, cancellationToken).ConfigureAwait(false);
                requests += lease.Requests;
                if (lease.Changed)
                {
                    // The sync's lease had expired, and the records on it with it: list again and plan against that.
                    state = await ListLockedAsync(batch.SyncId, cancellationToken).ConfigureAwait(false);
                    connection = await ConnectionAsync(cancellationToken).ConfigureAwait(false);
                    requests++;
                    (ops, rejected, created, updated, deleted) = Plan(batch, state);
                }

                var fence = batch.Fence is { } f && string.Equals(f.Registry, _registry.Name, StringComparison.Ordinal) ? f : null;
                var last = 0L;

                // Creates and updates of the batch go before its deletes.
                foreach (var chunk in ops.OrderBy(static o => o.Delete is null ? 0 : 1).Chunk(fence is null ? MaxOpsPerTxn : MaxOpsPerTxn - 1))
                {
                    last = await CommitAsync(connection, chunk, lease.Id, fence, cancellationToken).ConfigureAwait(false);
                    requests++;
                    foreach (var op in chunk)
                    {
                        if (op.Put is { } put)
                        {
                            state.Add(op.Service, put);
                        }
                        else if (state.Owned.TryGetValue(op.Service, out var ids))
                        {
                            ids.Remove(op.Delete!.Id);
                            if (ids.Count == 0)
                            {
                                state.Owned.Remove(op.Service);
                            }
                        }
                    }
                }

                state.Revision = last;
                return new WriteResult { Created = created, Updated = updated, Deleted = deleted, Requests = requests, Rejected = rejected, Revision = last.ToString(System.Globalization.CultureInfo.InvariantCulture) };
            }
            catch (RegistryException)
            {
                Reset();
                throw;
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    private (List<(string Service, ServiceInstance? Put, ServiceInstance? Delete, bool Create)> Ops, List<SkippedRecord> Rejected, int Created, int Updated, int Deleted) Plan(WriteBatch batch, OwnedState state)
    {
        var rejected = new List<SkippedRecord>();
        var ops = new List<(string Service, ServiceInstance? Put, ServiceInstance? Delete, bool Create)>();
        int created = 0, updated = 0, deleted = 0;
        foreach (var (service, desired) in batch.Services)
        {
            var accepted = Accept(service, desired, batch.SyncId, state, rejected);
            var diff = OwnedDiff.Compute(state.Of(service), accepted);
            ops.AddRange(diff.Creates.Select(i => (service, (ServiceInstance?)i, (ServiceInstance?)null, true)));
            ops.AddRange(diff.Updates.Select(u => (service, (ServiceInstance?)u.New, (ServiceInstance?)null, false)));
            ops.AddRange(diff.Deletes.Select(i => (service, (ServiceInstance?)null, (ServiceInstance?)i, false)));
            created += diff.Creates.Count;
            updated += diff.Updates.Count;
            deleted += diff.Deletes.Count;
        }

        return (ops, rejected, created, updated, deleted);
    }

    private List<ServiceInstance> Accept(string service, IReadOnlyList<ServiceInstance> desired, string syncId, OwnedState state, List<SkippedRecord> rejected) =>
        WriterChecks.Accept(
            service,
            desired,
            syncId,
            _normalized,
            instance => TryNormalize(instance, out var stored, out var reason) ? (stored, null) : (null, reason),
            instance => state.Foreign.Contains((service, instance.Id)) || (state.Unreadable.Count > 0 && state.Unreadable.Contains(EtcdRecordCodec.DisplayKey(_codec.EncodeKey(instance))))
                ? "etcd holds a record under this key that the sync does not own"
                : null,
            rejected);

    private async Task<long> CommitAsync(
        EtcdConnection connection, (string Service, ServiceInstance? Put, ServiceInstance? Delete, bool Create)[] chunk, long lease, WriteFence? fence, CancellationToken cancellationToken)
    {
        var txn = new TxnRequest();
        if (fence is not null)
        {
            txn.Compare.Add(new Compare { Key = Bytes(fence.Key), Target = Compare.Types.CompareTarget.Create, Result = Compare.Types.CompareResult.Equal, CreateRevision = fence.Token });
        }

        foreach (var op in chunk)
        {
            // The encoders return fresh arrays that nothing else holds: wrapped, not copied.
            var key = UnsafeByteOperations.UnsafeWrap(_codec.EncodeKey(op.Put ?? op.Delete!));
            txn.Compare.Add(op.Create
                ? new Compare { Key = key, Target = Compare.Types.CompareTarget.Create, Result = Compare.Types.CompareResult.Equal, CreateRevision = 0 }
                : new Compare { Key = key, Target = Compare.Types.CompareTarget.Lease, Result = Compare.Types.CompareResult.Equal, Lease = lease });
            txn.Success.Add(op.Put is { } put
                ? new RequestOp { RequestPut = new PutRequest { Key = key, Value = UnsafeByteOperations.UnsafeWrap(_codec.EncodeValue(put)), Lease = lease } }
                : new RequestOp { RequestDeleteRange = new DeleteRangeRequest { Key = key } });
        }

        var response = await connection.CallAsync(
            h => connection.Kv.TxnAsync(txn, h, connection.Deadline, cancellationToken).ResponseAsync,
            "writing mirrored records",
            cancellationToken).ConfigureAwait(false);
        if (response.Succeeded)
        {
            return response.Header.Revision;
        }

        if (fence is not null && !await FenceHoldsAsync(connection, fence, cancellationToken).ConfigureAwait(false))
        {
            throw new WriteFenceLostException($"the leader key {ServiceInstanceValidator.Printable(fence.Key)} is no longer held by this replica; nothing of the transaction was written");
        }

        throw new RegistryException("records changed under the sync (a key it was to create exists, or one it owns was taken over); nothing of the transaction was written and the owned records are listed again");
    }

    private static async Task<bool> FenceHoldsAsync(EtcdConnection connection, WriteFence fence, CancellationToken cancellationToken)
    {
        var range = await connection.CallAsync(
            h => connection.Kv.RangeAsync(new RangeRequest { Key = Bytes(fence.Key) }, h, connection.Deadline, cancellationToken).ResponseAsync,
            "checking the leader key",
            cancellationToken).ConfigureAwait(false);
        return range.Kvs.Count == 1 && range.Kvs[0].CreateRevision == fence.Token;
    }
}
