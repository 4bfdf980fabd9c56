using System.Globalization;
using Etcdserverpb;
using Microsoft.Extensions.Logging;

namespace Registry.Adapters.Etcd;

/// <summary>The one lease per sync id: found again after a restart, granted when there is none, kept alive until disposed.</summary>
internal sealed partial class EtcdSyncWriter
{
    private async Task<(long Id, bool Changed, int Requests)> EnsureLeaseAsync(EtcdConnection connection, string syncId, OwnedState state, CancellationToken cancellationToken)
    {
        lock (_leases)
        {
            if (_leases.TryGetValue(syncId, out var known))
            {
                return (known, false, 0);
            }
        }

        var key = Bytes(LeaseKeyPrefix + syncId);
        var requests = 1;
        var range = await connection.CallAsync(
            h => connection.Kv.RangeAsync(new RangeRequest { Key = key }, h, connection.Deadline, cancellationToken).ResponseAsync,
            "reading the sync lease",
            cancellationToken).ConfigureAwait(false);
        if (range.Kvs.Count == 1 && long.TryParse(range.Kvs[0].Value.ToStringUtf8(), NumberStyles.None, CultureInfo.InvariantCulture, out var existing))
        {
            requests++;
            var alive = await connection.CallAsync(
                h => connection.Lease.LeaseTimeToLiveAsync(new LeaseTimeToLiveRequest { ID = existing }, h, connection.Deadline, cancellationToken).ResponseAsync,
                "checking the sync lease",
                cancellationToken).ConfigureAwait(false);
            if (alive.TTL > 0)
            {
                Adopt(syncId, existing);
                Log.LeaseReused(_logger, _registry.Name, syncId, existing, alive.TTL);
                return (existing, false, requests);
            }
        }

        var granted = await connection.CallAsync(
            h => connection.Lease.LeaseGrantAsync(new LeaseGrantRequest { TTL = TtlSeconds }, h, connection.Deadline, cancellationToken).ResponseAsync,
            "granting the sync lease",
            cancellationToken).ConfigureAwait(false);
        var put = new TxnRequest();
        put.Success.Add(new RequestOp { RequestPut = new PutRequest { Key = key, Value = Bytes(granted.ID.ToString(CultureInfo.InvariantCulture)), Lease = granted.ID } });
        await connection.CallAsync(
            h => connection.Kv.TxnAsync(put, h, connection.Deadline, cancellationToken).ResponseAsync,
            "recording the sync lease",
            cancellationToken).ConfigureAwait(false);
        requests += 2;
        Adopt(syncId, granted.ID);
        Log.LeaseGranted(_logger, _registry.Name, syncId, granted.ID, TtlSeconds);
        return (granted.ID, state.Owned.Count > 0, requests);
    }

    private void Adopt(string syncId, long lease)
    {
        lock (_leases)
        {
            _leases[syncId] = lease;
        }

        _ = Task.Run(() => KeepAliveAsync(syncId, lease, _stopping.Token), CancellationToken.None);
    }

    private void Lose(string syncId, long lease)
    {
        lock (_leases)
        {
            if (_leases.TryGetValue(syncId, out var current) && current == lease)
            {
                _leases.Remove(syncId);
            }
        }
    }

    private async Task KeepAliveAsync(string syncId, long lease, CancellationToken cancellationToken)
    {
        var interval = TimeSpan.FromSeconds(Math.Max(1, TtlSeconds / 3.0));
        var deadline = _time.GetUtcNow() + TimeSpan.FromSeconds(TtlSeconds);
        while (!cancellationToken.IsCancellationRequested)
        {
            EtcdConnection? connection = null;
            try
            {
                connection = await EtcdConnection.ConnectAsync(_options, _endpoint, cancellationToken).ConfigureAwait(false);
                using var call = connection.Lease.LeaseKeepAlive(connection.Headers, cancellationToken: cancellationToken);
                while (true)
                {
                    await call.RequestStream.WriteAsync(new LeaseKeepAliveRequest { ID = lease }, cancellationToken).ConfigureAwait(false);
                    if (!await call.ResponseStream.MoveNext(cancellationToken).ConfigureAwait(false))
                    {
                        break;
                    }

                    if (call.ResponseStream.Current.TTL <= 0)
                    {
                        Log.LeaseLost(_logger, _registry.Name, syncId, lease);
                        Lose(syncId, lease);
                        return;
                    }

                    deadline = _time.GetUtcNow() + TimeSpan.FromSeconds(call.ResponseStream.Current.TTL);
                    await Task.Delay(interval, _time, cancellationToken).ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is RegistryException or Grpc.Core.RpcException or IOException or HttpRequestException)
            {
                Log.KeepAliveFailed(_logger, _registry.Name, syncId, lease, Registry.Adapters.Backends.SecretScrubber.ScrubPrintable(ex.Message, 200));
                if (_time.GetUtcNow() > deadline)
                {
                    // Past the TTL the lease is gone on the server too; the next write grants a new one after listing again.
                    Lose(syncId, lease);
                    return;
                }

                try
                {
                    await Task.Delay(TimeSpan.FromSeconds(1), _time, cancellationToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
            finally
            {
                connection?.Dispose();
            }
        }
    }

    private static partial class Log
    {
        [LoggerMessage(3200, LogLevel.Information, "etcd sync target {Registry}: sync '{SyncId}' reuses its lease {Lease} ({Ttl} s left)")]
        public static partial void LeaseReused(ILogger logger, string registry, string syncId, long lease, long ttl);

        [LoggerMessage(3201, LogLevel.Information, "etcd sync target {Registry}: sync '{SyncId}' writes under a new lease {Lease} (TTL {Ttl} s)")]
        public static partial void LeaseGranted(ILogger logger, string registry, string syncId, long lease, long ttl);

        [LoggerMessage(3202, LogLevel.Warning, "etcd sync target {Registry}: the lease {Lease} of sync '{SyncId}' expired; its records are gone and are written again")]
        public static partial void LeaseLost(ILogger logger, string registry, string syncId, long lease);

        [LoggerMessage(3203, LogLevel.Warning, "etcd sync target {Registry}: keeping the lease {Lease} of sync '{SyncId}' alive failed, retrying: {Error}")]
        public static partial void KeepAliveFailed(ILogger logger, string registry, string syncId, long lease, string error);
    }
}
