using Etcdserverpb;
using Google.Protobuf;
using Mvccpb;

namespace Registry.Adapters.Etcd;

/// <summary>The campaign: hold a key, wait until no older key is left under the prefix, lead until the key or the lease goes.</summary>
internal sealed partial class EtcdSyncCandidate
{
    private async Task CampaignLoopAsync(Task previous, Run run)
    {
        await previous.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        var stop = run.Stop.Token;
        var backoff = _owner.CreateBackoff();
        Held? held = null;
        EtcdElectionSession? session = null;
        try
        {
            while (!stop.IsCancellationRequested)
            {
                session = await _owner.SessionAsync(stop).ConfigureAwait(false);
                using var linked = CancellationTokenSource.CreateLinkedTokenSource(stop, session.LostToken);
                try
                {
                    held = await CampaignAsync(session, linked.Token).ConfigureAwait(false);
                    if (await WaitForTurnAsync(held, linked.Token).ConfigureAwait(false))
                    {
                        Promote(session, held);
                        await WaitForDeletionAsync(held.Key, held.Revision, linked.Token).ConfigureAwait(false);
                        Demote("its key was deleted");
                    }

                    held = null;
                }
                catch (Exception) when (stop.IsCancellationRequested)
                {
                    break;
                }
                catch (Exception) when (session.IsLost)
                {
                    // Every key on the lease goes with it; the next lease campaigns afresh (a new fence).
                    Demote("its lease was lost");
                    held = null;
                }
                catch (Exception ex) when (EtcdSyncElection.IsRetryable(ex))
                {
                    // The key, if written, is kept: the next attempt finds it and keeps its place in line.
                    var delay = _owner.RetryDelay(ex, backoff);
                    Log.CampaignFailed(_owner.Logger, _owner.RegistryName, Election, delay.TotalMilliseconds, EtcdSyncElection.Describe(ex));
                    await Task.Delay(delay, _owner.Time, stop).ConfigureAwait(false);
                }
            }
        }
        catch (Exception) when (stop.IsCancellationRequested)
        {
        }
        finally
        {
            // It stops leading before the key goes, so it never writes after another replica could lead.
            Demote("it stopped campaigning");
            if (held is not null && run.Release && session is { IsLost: false })
            {
                await ReleaseAsync(held, run.ReleaseToken).ConfigureAwait(false);
            }

            run.Dispose();
        }
    }

    /// <summary>Puts the key on the lease unless it is there already (then keeps its create revision).</summary>
    private async Task<Held> CampaignAsync(EtcdElectionSession session, CancellationToken cancellationToken)
    {
        var key = Prefix + EtcdSyncElection.Hex(session.Lease);
        var keyBytes = EtcdSyncElection.Bytes(key);
        var txn = new TxnRequest();
        txn.Compare.Add(new Compare { Key = keyBytes, Target = Compare.Types.CompareTarget.Create, Result = Compare.Types.CompareResult.Equal, CreateRevision = 0 });
        txn.Success.Add(new RequestOp { RequestPut = new PutRequest { Key = keyBytes, Value = EtcdSyncElection.Bytes(_owner.Identity), Lease = session.Lease } });
        txn.Failure.Add(new RequestOp { RequestRange = new RangeRequest { Key = keyBytes } });
        var connection = await _owner.ConnectionAsync(cancellationToken).ConfigureAwait(false);
        var response = await CallAsync(connection, txn, "campaigning", cancellationToken).ConfigureAwait(false);
        if (response.Succeeded)
        {
            Log.Campaigning(_owner.Logger, _owner.RegistryName, Election, key, response.Header.Revision);
            return new Held(key, response.Header.Revision, session.Lease);
        }

        var kvs = response.Responses[0].ResponseRange.Kvs;
        if (kvs.Count == 0)
        {
            throw new RegistryException($"the candidate key {key} was deleted while campaigning; campaigning again");
        }

        return new Held(key, kvs[0].CreateRevision, session.Lease);
    }

    /// <summary>
    /// Waits until no key with a lower create revision is left under the prefix, watching the one just before its own
    /// for deletion each time. <see langword="false"/> when its own key is gone meanwhile (campaign again).
    /// </summary>
    private async Task<bool> WaitForTurnAsync(Held held, CancellationToken cancellationToken)
    {
        var prefix = EtcdSyncElection.Bytes(Prefix);
        var rangeEnd = ByteString.CopyFrom(EtcdRecordCodec.PrefixEnd(prefix.ToByteArray()));
        while (true)
        {
            var txn = new TxnRequest();
            txn.Compare.Add(new Compare { Key = EtcdSyncElection.Bytes(held.Key), Target = Compare.Types.CompareTarget.Create, Result = Compare.Types.CompareResult.Equal, CreateRevision = held.Revision });
            txn.Success.Add(new RequestOp
            {
                RequestRange = new RangeRequest
                {
                    Key = prefix,
                    RangeEnd = rangeEnd,
                    MaxCreateRevision = held.Revision - 1,
                    SortTarget = RangeRequest.Types.SortTarget.Create,
                    SortOrder = RangeRequest.Types.SortOrder.Descend,
                    Limit = 1,
                },
            });
            var connection = await _owner.ConnectionAsync(cancellationToken).ConfigureAwait(false);
            var response = await CallAsync(connection, txn, "reading the candidates", cancellationToken).ConfigureAwait(false);
            if (!response.Succeeded)
            {
                return false;
            }

            var before = response.Responses[0].ResponseRange.Kvs;
            if (before.Count == 0)
            {
                return true;
            }

            Log.Waiting(_owner.Logger, _owner.RegistryName, Election, EtcdRecordCodec.DisplayKey(before[0].Key.Span));
            await WaitForDeletionAsync(before[0].Key, before[0].CreateRevision, response.Header.Revision, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Returns once <paramref name="key"/> no longer holds create revision <paramref name="revision"/>.</summary>
    private async Task WaitForDeletionAsync(string key, long revision, CancellationToken cancellationToken)
    {
        var bytes = EtcdSyncElection.Bytes(key);
        var connection = await _owner.ConnectionAsync(cancellationToken).ConfigureAwait(false);
        var range = await CallRangeAsync(connection, bytes, cancellationToken).ConfigureAwait(false);
        if (range.Kvs.Count == 0 || range.Kvs[0].CreateRevision != revision)
        {
            return;
        }

        await WaitForDeletionAsync(bytes, revision, range.Header.Revision, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Watches <paramref name="key"/> from <paramref name="seen"/> + 1 for its deletion; on a broken or compacted watch,
    /// reads the key again (it may be gone already) and watches on from there.
    /// </summary>
    private async Task WaitForDeletionAsync(ByteString key, long revision, long seen, CancellationToken cancellationToken)
    {
        while (true)
        {
            EtcdConnection? connection = null;
            try
            {
                connection = await _owner.ConnectionAsync(cancellationToken).ConfigureAwait(false);
                if (await WatchDeleteAsync(connection, key, seen + 1, cancellationToken).ConfigureAwait(false))
                {
                    return;
                }
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested && EtcdSyncElection.IsRetryable(ex))
            {
                Log.WatchFailed(_owner.Logger, _owner.RegistryName, Election, EtcdSyncElection.Describe(ex));
                if (connection is not null)
                {
                    _owner.Failed(connection);
                }

                await DelayAsync(cancellationToken).ConfigureAwait(false);
            }

            connection = await _owner.ConnectionAsync(cancellationToken).ConfigureAwait(false);
            var range = await CallRangeAsync(connection, key, cancellationToken).ConfigureAwait(false);
            if (range.Kvs.Count == 0 || range.Kvs[0].CreateRevision != revision)
            {
                return;
            }

            seen = range.Header.Revision;
        }
    }

    /// <summary><see langword="true"/> on the key's deletion; <see langword="false"/> when etcd cancelled the watch (compaction).</summary>
    private static async Task<bool> WatchDeleteAsync(EtcdConnection connection, ByteString key, long from, CancellationToken cancellationToken)
    {
        using var call = connection.Watch.Watch(connection.Headers, cancellationToken: cancellationToken);
        var create = new WatchCreateRequest { Key = key, StartRevision = from };
        create.Filters.Add(WatchCreateRequest.Types.FilterType.Noput);
        await call.RequestStream.WriteAsync(new WatchRequest { CreateRequest = create }, cancellationToken).ConfigureAwait(false);
        while (await call.ResponseStream.MoveNext(cancellationToken).ConfigureAwait(false))
        {
            var response = call.ResponseStream.Current;
            if (response.Canceled)
            {
                return false;
            }

            if (response.Events.Any(static e => e.Type == Event.Types.EventType.Delete))
            {
                return true;
            }
        }

        throw new IOException("etcd closed the watch stream");
    }

    private async Task ReleaseAsync(Held held, CancellationToken cancellationToken)
    {
        var key = EtcdSyncElection.Bytes(held.Key);
        var txn = new TxnRequest();
        txn.Compare.Add(new Compare { Key = key, Target = Compare.Types.CompareTarget.Create, Result = Compare.Types.CompareResult.Equal, CreateRevision = held.Revision });
        txn.Success.Add(new RequestOp { RequestDeleteRange = new DeleteRangeRequest { Key = key } });
        try
        {
            var connection = await _owner.ConnectionAsync(cancellationToken).ConfigureAwait(false);
            await CallAsync(connection, txn, "releasing the election", cancellationToken).ConfigureAwait(false);
            Log.Released(_owner.Logger, _owner.RegistryName, Election, held.Key);
        }
        catch (Exception ex) when (EtcdSyncElection.IsRetryable(ex))
        {
            // The key then goes with the lease (on dispose, or after its TTL).
            Log.ReleaseFailed(_owner.Logger, _owner.RegistryName, Election, EtcdSyncElection.Describe(ex));
        }
    }

    private async Task DelayAsync(CancellationToken cancellationToken) =>
        await Task.Delay(_owner.Options.RetryPeriod, _owner.Time, cancellationToken).ConfigureAwait(false);

    private async Task<TxnResponse> CallAsync(EtcdConnection connection, TxnRequest txn, string what, CancellationToken cancellationToken)
    {
        try
        {
            return await connection.CallAsync(
                h => connection.Kv.TxnAsync(txn, h, connection.Deadline, cancellationToken).ResponseAsync,
                $"{what} in election '{Election}'",
                cancellationToken).ConfigureAwait(false);
        }
        catch (RegistryException) when (!cancellationToken.IsCancellationRequested)
        {
            _owner.Failed(connection);
            throw;
        }
    }

    private async Task<RangeResponse> CallRangeAsync(EtcdConnection connection, ByteString key, CancellationToken cancellationToken)
    {
        try
        {
            return await connection.CallAsync(
                h => connection.Kv.RangeAsync(new RangeRequest { Key = key }, h, connection.Deadline, cancellationToken).ResponseAsync,
                $"reading a candidate of election '{Election}'",
                cancellationToken).ConfigureAwait(false);
        }
        catch (RegistryException) when (!cancellationToken.IsCancellationRequested)
        {
            _owner.Failed(connection);
            throw;
        }
    }
}
