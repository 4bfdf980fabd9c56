using Etcdserverpb;

namespace Registry.Adapters.Etcd;

/// <summary>The election's lease: granted, announced under the replica key, kept alive, and granted again once lost.</summary>
internal sealed partial class EtcdSyncElection
{
    private async Task RunSessionsAsync(CancellationToken cancellationToken)
    {
        var backoff = CreateBackoff();
        while (!cancellationToken.IsCancellationRequested)
        {
            var delay = Options.RetryPeriod;
            EtcdElectionSession? session = null;
            EtcdConnection? connection = null;
            try
            {
                connection = await ConnectionAsync(cancellationToken).ConfigureAwait(false);
                session = await GrantAsync(connection, cancellationToken).ConfigureAwait(false);
                backoff.Reset();
                await KeepAliveAsync(session, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (IsRetryable(ex))
            {
                delay = RetryDelay(ex, backoff);
                Log.LeaseFailed(Logger, RegistryName, Name, delay.TotalMilliseconds, Describe(ex));
                if (connection is not null)
                {
                    Failed(connection);
                }
            }
            finally
            {
                if (session is not null)
                {
                    session.End(cancellationToken.IsCancellationRequested ? "the election was closed" : "it could not be kept alive");
                    if (!cancellationToken.IsCancellationRequested && !session.ExpiredAtEtcd)
                    {
                        Log.LeaseLost(Logger, RegistryName, Name, session.Lease, session.Reason ?? "unknown");

                        // A lease given up at the renew deadline may still be alive: revoking it lets the next leader
                        // take over at once instead of after the TTL (best effort, in the background).
                        _ = RevokeQuietlyAsync(session.Lease, cancellationToken);
                    }
                    else if (!cancellationToken.IsCancellationRequested)
                    {
                        Log.LeaseLost(Logger, RegistryName, Name, session.Lease, session.Reason ?? "unknown");
                    }
                }
            }

            try
            {
                await Task.Delay(delay, Time, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private async Task<EtcdElectionSession> GrantAsync(EtcdConnection connection, CancellationToken cancellationToken)
    {
        var sentAt = Time.GetTimestamp();
        var granted = await connection.CallAsync(
            h => connection.Lease.LeaseGrantAsync(new LeaseGrantRequest { TTL = TtlSeconds }, h, connection.Deadline, cancellationToken).ResponseAsync,
            "granting the election lease",
            cancellationToken).ConfigureAwait(false);
        var session = new EtcdElectionSession(granted.ID, sentAt, Time, Options.RenewDeadline);
        try
        {
            var put = new PutRequest { Key = Bytes(ReplicaKey(granted.ID)), Value = Bytes(Identity), Lease = granted.ID };
            await connection.CallAsync(
                h => connection.Kv.PutAsync(put, h, connection.Deadline, cancellationToken).ResponseAsync,
                "announcing the replica",
                cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            session.Dispose();
            _ = RevokeQuietlyAsync(granted.ID, cancellationToken);
            throw;
        }

        lock (_gate)
        {
            _session?.Dispose();
            _session = session;
            _nextSession.TrySetResult(session);
            _nextSession = NewSessionSource();
        }

        Log.LeaseGranted(Logger, RegistryName, Name, ServiceInstanceValidator.Printable(Identity), granted.ID, granted.TTL);
        return session;
    }

    /// <summary>Renews the lease every retry period until it is lost; returns then, throws when the election closes.</summary>
    private async Task KeepAliveAsync(EtcdElectionSession session, CancellationToken cancellationToken)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, session.LostToken);
        var token = linked.Token;
        while (!session.IsLost)
        {
            EtcdConnection? connection = null;
            try
            {
                connection = await ConnectionAsync(token).ConfigureAwait(false);
                using var call = connection.Lease.LeaseKeepAlive(connection.Headers, cancellationToken: token);
                while (true)
                {
                    var sentAt = session.Sending();
                    await call.RequestStream.WriteAsync(new LeaseKeepAliveRequest { ID = session.Lease }, token).ConfigureAwait(false);
                    if (!await call.ResponseStream.MoveNext(token).ConfigureAwait(false))
                    {
                        throw new IOException("etcd closed the keep-alive stream");
                    }

                    if (call.ResponseStream.Current.TTL <= 0)
                    {
                        session.Expired();
                        return;
                    }

                    session.Renewed(sentAt);
                    await Task.Delay(Options.RetryPeriod, Time, token).ConfigureAwait(false);
                }
            }
            catch (Exception) when (cancellationToken.IsCancellationRequested)
            {
                throw new OperationCanceledException(cancellationToken);
            }
            catch (Exception) when (session.IsLost)
            {
                return;
            }
            catch (Exception ex) when (IsRetryable(ex))
            {
                Log.KeepAliveFailed(Logger, RegistryName, Name, session.Lease, Describe(ex));
                if (ex is Grpc.Core.RpcException rpc && EtcdErrors.IsInvalidToken(rpc) && connection is not null)
                {
                    await connection.AuthenticateAsync(token).ConfigureAwait(false);
                }
                else if (connection is not null)
                {
                    Failed(connection);
                }
            }

            try
            {
                await Task.Delay(Options.RetryPeriod, Time, token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                return;
            }
        }
    }

    private async Task RevokeQuietlyAsync(long lease, CancellationToken cancellationToken)
    {
        try
        {
            var connection = await ConnectionAsync(cancellationToken).ConfigureAwait(false);
            await RevokeAsync(connection, lease, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (IsRetryable(ex))
        {
            Log.RevokeFailed(Logger, RegistryName, Name, lease, Describe(ex));
        }
    }

    private async Task RevokeAsync(EtcdConnection connection, long lease, CancellationToken cancellationToken)
    {
        try
        {
            await connection.CallAsync(
                h => connection.Lease.LeaseRevokeAsync(new LeaseRevokeRequest { ID = lease }, h, connection.Deadline, cancellationToken).ResponseAsync,
                "revoking the election lease",
                cancellationToken).ConfigureAwait(false);
            Log.LeaseRevoked(Logger, RegistryName, Name, lease);
        }
        catch (Exception ex) when (IsRetryable(ex))
        {
            // The lease then expires after its TTL, and every key on it with it.
            Log.RevokeFailed(Logger, RegistryName, Name, lease, Describe(ex));
        }
    }
}
