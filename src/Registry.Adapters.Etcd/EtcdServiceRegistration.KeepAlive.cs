using Etcdserverpb;
using Microsoft.Extensions.Logging;

namespace Registry.Adapters.Etcd;

internal sealed partial class EtcdServiceRegistration
{
    private async Task KeepAliveLoopAsync(CancellationToken cancellationToken)
    {
        var backoff = new RetryBackoff(_options.ReconnectDelay, _options.MaxReconnectDelay);
        var interval = TimeSpan.FromSeconds(TtlSeconds / 3.0);
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                EtcdConnection connection;
                await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
                try
                {
                    connection = await ConnectLockedAsync(cancellationToken).ConfigureAwait(false);
                    if (_dirty)
                    {
                        await PutLockedAsync(connection, cancellationToken).ConfigureAwait(false);
                    }
                }
                finally
                {
                    _gate.Release();
                }

                await KeepAliveStreamAsync(connection, interval, backoff, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                var delay = backoff.NextDelay();
                var message = EtcdErrors.Translate(ex, EtcdRegistryOptions.ParseEndpoint(_options.Endpoints[_endpoint % _options.Endpoints.Count]), "keeping the lease alive").Message;
                Log.KeepAliveFailed(_logger, _registry, EtcdRecordCodec.DisplayKey(_key.Span), delay.TotalMilliseconds, message);
                await _gate.WaitAsync(CancellationToken.None).ConfigureAwait(false);
                DropConnection();
                _gate.Release();
                try
                {
                    await Task.Delay(delay, _timeProvider, cancellationToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    /// <summary>Sends a keep-alive every third of the TTL until the stream breaks; re-grants when etcd answers TTL 0.</summary>
    private async Task KeepAliveStreamAsync(EtcdConnection connection, TimeSpan interval, RetryBackoff backoff, CancellationToken cancellationToken)
    {
        using var call = connection.Lease.LeaseKeepAlive(connection.Headers, cancellationToken: cancellationToken);
        while (true)
        {
            var lease = LeaseId;
            await call.RequestStream.WriteAsync(new LeaseKeepAliveRequest { ID = lease }, cancellationToken).ConfigureAwait(false);
            using (var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
            {
                timeout.CancelAfter(_options.RequestTimeout);
                if (!await call.ResponseStream.MoveNext(timeout.Token).ConfigureAwait(false))
                {
                    throw new RegistryException("etcd closed the lease keep-alive stream");
                }
            }

            var response = call.ResponseStream.Current;
            if (response.TTL <= 0 || response.ID != lease)
            {
                await ReRegisterAsync(connection, lease, cancellationToken).ConfigureAwait(false);
                continue;
            }

            backoff.Reset();
            await Task.Delay(interval, _timeProvider, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task ReRegisterAsync(EtcdConnection connection, long lostLease, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await GrantAndPutLockedAsync(connection, cancellationToken).ConfigureAwait(false);
            Interlocked.Increment(ref _reregistrations);
            Log.Reregistered(_logger, _registry, EtcdRecordCodec.DisplayKey(_key.Span), lostLease, LeaseId);
        }
        finally
        {
            _gate.Release();
        }
    }

    private static partial class Log
    {
        [LoggerMessage(3100, LogLevel.Information, "etcd registrar {Registry} registered {Key} under lease {Lease}")]
        public static partial void Registered(ILogger logger, string registry, string key, long lease);

        [LoggerMessage(3101, LogLevel.Warning, "etcd registrar {Registry}: lease {Lost} of {Key} was lost; re-registered under lease {Lease}")]
        public static partial void Reregistered(ILogger logger, string registry, string key, long lost, long lease);

        [LoggerMessage(3102, LogLevel.Warning, "etcd registrar {Registry}: keep-alive of {Key} failed; retrying in {DelayMs} ms: {Error}")]
        public static partial void KeepAliveFailed(ILogger logger, string registry, string key, double delayMs, string error);

        [LoggerMessage(3103, LogLevel.Information, "etcd registrar {Registry} deregistered {Key}")]
        public static partial void Deregistered(ILogger logger, string registry, string key);

        [LoggerMessage(3104, LogLevel.Warning, "etcd registrar {Registry} could not deregister {Key}; its lease expires on its own: {Error}")]
        public static partial void DeregisterFailed(ILogger logger, string registry, string key, string error);
    }
}
