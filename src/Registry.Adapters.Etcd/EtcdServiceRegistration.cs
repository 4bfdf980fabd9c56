using Etcdserverpb;
using Google.Protobuf;
using Microsoft.Extensions.Logging;

namespace Registry.Adapters.Etcd;

/// <summary>
/// One live etcd registration. The keep-alive stream is owned here rather than by dotnet-etcd's <c>LeaseKeepAlive</c>
/// (which returns quietly when the lease is gone): a response with TTL 0 means the lease was lost (expired, revoked,
/// a rebuilt etcd), which re-grants a lease and re-puts the key; a broken stream reconnects with backoff.
/// </summary>
internal sealed partial class EtcdServiceRegistration : IServiceRegistration
{
    private readonly string _registry;
    private readonly EtcdRegistryOptions _options;
    private readonly EtcdRecordCodec _codec;
    private readonly ILogger _logger;
    private readonly TimeProvider _timeProvider;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly CancellationTokenSource _stop = new();
    private readonly ByteString _key;
    private EtcdConnection? _connection;
    private int _endpoint;
    private long _leaseId;
    private bool _dirty;
    private int _reregistrations;
    private Task _keepAlive = Task.CompletedTask;
    private ServiceInstance _instance;
    private int _disposed;

    public EtcdServiceRegistration(string registry, ServiceInstance instance, EtcdRegistryOptions options, ILogger logger, TimeProvider timeProvider)
    {
        _registry = registry;
        _instance = instance;
        _options = options;
        _codec = new EtcdRecordCodec(options);
        _logger = logger;
        _timeProvider = timeProvider;
        _key = ByteString.CopyFrom(_codec.EncodeKey(instance));
    }

    public ServiceInstance Instance => Volatile.Read(ref _instance);

    public int Reregistrations => Volatile.Read(ref _reregistrations);

    /// <summary>The current lease (for tests and diagnostics).</summary>
    internal long LeaseId => Interlocked.Read(ref _leaseId);

    private long TtlSeconds => Math.Max(2, (long)Math.Ceiling(_options.LeaseTtl.TotalSeconds));

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        RegistryException? last = null;
        for (var attempt = 0; attempt < _options.Endpoints.Count; attempt++)
        {
            try
            {
                await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
                try
                {
                    var connection = await ConnectLockedAsync(cancellationToken).ConfigureAwait(false);
                    await GrantAndPutLockedAsync(connection, cancellationToken).ConfigureAwait(false);
                }
                finally
                {
                    _gate.Release();
                }

                Log.Registered(_logger, _registry, EtcdRecordCodec.DisplayKey(_key.Span), LeaseId);
                _keepAlive = Task.Run(() => KeepAliveLoopAsync(_stop.Token), CancellationToken.None);
                return;
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                last = EtcdErrors.Translate(ex, _connection?.Endpoint ?? EtcdRegistryOptions.ParseEndpoint(_options.Endpoints[_endpoint % _options.Endpoints.Count]), "registering the instance");
                DropConnection();
            }
        }

        throw last!;
    }

    public async Task SetHealthAsync(HealthStatus health, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            Volatile.Write(ref _instance, _instance with { Health = health });
            _dirty = true;
            var connection = await ConnectLockedAsync(cancellationToken).ConfigureAwait(false);
            await PutLockedAsync(connection, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            DropConnection();
            throw EtcdErrors.Translate(ex, EtcdRegistryOptions.ParseEndpoint(_options.Endpoints[_endpoint % _options.Endpoints.Count]), "updating the instance's health");
        }
        finally
        {
            _gate.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await _stop.CancelAsync().ConfigureAwait(false);
        await _keepAlive.ConfigureAwait(false);
        using var timeout = new CancellationTokenSource(_options.RequestTimeout);
        await _gate.WaitAsync(CancellationToken.None).ConfigureAwait(false);
        try
        {
            if (LeaseId != 0)
            {
                var connection = await ConnectLockedAsync(timeout.Token).ConfigureAwait(false);
                await DeleteLockedAsync(connection, timeout.Token).ConfigureAwait(false);
                Log.Deregistered(_logger, _registry, EtcdRecordCodec.DisplayKey(_key.Span));
            }
        }
        catch (Exception ex)
        {
            Log.DeregisterFailed(_logger, _registry, EtcdRecordCodec.DisplayKey(_key.Span), EtcdErrors.Translate(ex, EtcdRegistryOptions.ParseEndpoint(_options.Endpoints[_endpoint % _options.Endpoints.Count]), "deregistering").Message);
        }
        finally
        {
            DropConnection();
            _gate.Release();
            _stop.Dispose();
        }
    }

    private async Task<EtcdConnection> ConnectLockedAsync(CancellationToken cancellationToken)
    {
        if (_connection is { } existing)
        {
            return existing;
        }

        _connection = await EtcdConnection.ConnectAsync(_options, _endpoint, cancellationToken).ConfigureAwait(false);
        return _connection;
    }

    private void DropConnection()
    {
        _connection?.Dispose();
        _connection = null;
        _endpoint++;
    }

    private async Task GrantAndPutLockedAsync(EtcdConnection connection, CancellationToken cancellationToken)
    {
        var grant = await connection.CallAsync(
            h => connection.Lease.LeaseGrantAsync(new LeaseGrantRequest { TTL = TtlSeconds }, h, connection.Deadline, cancellationToken).ResponseAsync,
            "granting a lease",
            cancellationToken).ConfigureAwait(false);
        if (!string.IsNullOrEmpty(grant.Error))
        {
            throw new RegistryException($"etcd refused a lease: {ServiceInstanceValidator.Printable(grant.Error, 200)}");
        }

        Interlocked.Exchange(ref _leaseId, grant.ID);
        await PutLockedAsync(connection, cancellationToken).ConfigureAwait(false);
    }

    private async Task PutLockedAsync(EtcdConnection connection, CancellationToken cancellationToken)
    {
        var request = new PutRequest { Key = _key, Value = ByteString.CopyFrom(_codec.EncodeValue(_instance)), Lease = LeaseId };
        await connection.CallAsync(
            h => connection.Kv.PutAsync(request, h, connection.Deadline, cancellationToken).ResponseAsync,
            "putting the instance",
            cancellationToken).ConfigureAwait(false);
        _dirty = false;
    }

    private async Task DeleteLockedAsync(EtcdConnection connection, CancellationToken cancellationToken)
    {
        // Delete the key only while it still holds our lease: another process may have registered the same id since.
        var txn = new TxnRequest
        {
            Compare = { new Compare { Key = _key, Target = Compare.Types.CompareTarget.Lease, Result = Compare.Types.CompareResult.Equal, Lease = LeaseId } },
            Success = { new RequestOp { RequestDeleteRange = new DeleteRangeRequest { Key = _key } } },
        };
        await connection.CallAsync(
            h => connection.Kv.TxnAsync(txn, h, connection.Deadline, cancellationToken).ResponseAsync,
            "deleting the instance",
            cancellationToken).ConfigureAwait(false);
        var lease = LeaseId;
        await connection.CallAsync(
            h => connection.Lease.LeaseRevokeAsync(new LeaseRevokeRequest { ID = lease }, h, connection.Deadline, cancellationToken).ResponseAsync,
            "revoking the lease",
            cancellationToken).ConfigureAwait(false);
    }
}
