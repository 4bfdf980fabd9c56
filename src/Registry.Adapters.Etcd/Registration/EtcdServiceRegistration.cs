using Etcdserverpb;
using Google.Protobuf;
using Grpc.Core;
using Microsoft.Extensions.Logging;
using Registry.Adapters.Backends;

namespace Registry.Adapters.Etcd;

/// <summary>
/// One live etcd registration: the instance's key put under a lease of <see cref="EtcdRegistryOptions.LeaseTtl"/>, kept
/// alive every third of the TTL over one keep-alive stream owned here (dotnet-etcd's <c>LeaseKeepAlive</c> returns quietly
/// when the lease is gone); a response with TTL 0 means the lease was lost (expired, revoked, a rebuilt etcd), and the
/// base grants a new lease and puts the key again. Dispose deletes the key while it still holds our lease and revokes it.
/// </summary>
internal sealed class EtcdServiceRegistration : ServiceRegistration
{
    private readonly EtcdRegistryOptions _options;
    private readonly EtcdRecordCodec _codec;
    private readonly ByteString _key;
    private EtcdConnection? _connection;
    private AsyncDuplexStreamingCall<LeaseKeepAliveRequest, LeaseKeepAliveResponse>? _keepAlive;
    private int _endpoint;
    private long _leaseId;

    public EtcdServiceRegistration(string registrar, ServiceInstance instance, EtcdRegistryOptions options, ILogger logger, TimeProvider timeProvider)
        : base(registrar, instance, TimeSpan.FromSeconds(TtlSeconds(options) / 3.0), options.RequestTimeout, timeProvider, logger)
    {
        _options = options;
        _codec = new EtcdRecordCodec(options);
        _key = ByteString.CopyFrom(_codec.EncodeKey(instance));
    }

    /// <summary>The current lease (for tests and diagnostics).</summary>
    internal long LeaseId => Interlocked.Read(ref _leaseId);

    private Uri Endpoint => _connection?.Endpoint ?? EtcdRegistryOptions.ParseEndpoint(_options.Endpoints[_endpoint % _options.Endpoints.Count]);

    /// <summary>Grants a lease and puts the key under it, trying each endpoint once.</summary>
    protected override System.Diagnostics.ActivitySource? ActivitySource => EtcdTelemetry.Source;

    protected override string RegistryKind => "etcd";

    protected override Uri? Server => Endpoint;

    protected override async Task RegisterAsync(ServiceInstance instance, CancellationToken cancellationToken)
    {
        RegistryException? last = null;
        for (var attempt = 0; attempt < _options.Endpoints.Count; attempt++)
        {
            try
            {
                var connection = await ConnectAsync(cancellationToken).ConfigureAwait(false);
                var grant = await connection.CallAsync(
                    h => connection.Lease.LeaseGrantAsync(new LeaseGrantRequest { TTL = TtlSeconds(_options) }, h, connection.Deadline, cancellationToken).ResponseAsync,
                    "granting a lease",
                    cancellationToken).ConfigureAwait(false);
                if (!string.IsNullOrEmpty(grant.Error))
                {
                    throw new RegistryException($"etcd refused a lease: {ServiceInstanceValidator.Printable(grant.Error, 200)}");
                }

                Interlocked.Exchange(ref _leaseId, grant.ID);
                MarkWritten();
                await PutAsync(connection, instance, cancellationToken).ConfigureAwait(false);
                return;
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                last = EtcdErrors.Translate(ex, Endpoint, "registering the instance");
                DropConnection();
            }
        }

        throw last!;
    }

    /// <summary>Sends one keep-alive on the stream (opened on first use) and reads its answer; TTL 0 means the lease is lost.</summary>
    protected override async Task<bool> KeepAliveAsync(CancellationToken cancellationToken)
    {
        try
        {
            var connection = await ConnectAsync(cancellationToken).ConfigureAwait(false);
            _keepAlive ??= connection.Lease.LeaseKeepAlive(connection.Headers, cancellationToken: cancellationToken);
            var lease = LeaseId;
            await _keepAlive.RequestStream.WriteAsync(new LeaseKeepAliveRequest { ID = lease }, cancellationToken).ConfigureAwait(false);
            using var timeout = new CancellationTokenSource(RequestTimeout, TimeProvider);
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
            if (!await _keepAlive.ResponseStream.MoveNext(linked.Token).ConfigureAwait(false))
            {
                throw new RegistryException("etcd closed the lease keep-alive stream");
            }

            var response = _keepAlive.ResponseStream.Current;
            return response.TTL > 0 && response.ID == lease;
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            var error = EtcdErrors.Translate(ex, Endpoint, "keeping the lease alive");
            DropConnection();
            throw error;
        }
    }

    protected override async Task UpdateHealthAsync(HealthStatus health, CancellationToken cancellationToken)
    {
        try
        {
            var connection = await ConnectAsync(cancellationToken).ConfigureAwait(false);
            await PutAsync(connection, Instance with { Health = health }, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            var error = EtcdErrors.Translate(ex, Endpoint, "updating the instance's health");
            DropConnection();
            throw error;
        }
    }

    protected override async Task DeregisterAsync(CancellationToken cancellationToken)
    {
        var lease = LeaseId;
        if (lease == 0)
        {
            return;
        }

        var connection = await ConnectAsync(cancellationToken).ConfigureAwait(false);

        // Delete the key only while it still holds our lease: another process may have registered the same id since.
        var txn = new TxnRequest
        {
            Compare = { new Compare { Key = _key, Target = Compare.Types.CompareTarget.Lease, Result = Compare.Types.CompareResult.Equal, Lease = lease } },
            Success = { new RequestOp { RequestDeleteRange = new DeleteRangeRequest { Key = _key } } },
        };
        await connection.CallAsync(
            h => connection.Kv.TxnAsync(txn, h, connection.Deadline, cancellationToken).ResponseAsync,
            "deleting the instance",
            cancellationToken).ConfigureAwait(false);
        await connection.CallAsync(
            h => connection.Lease.LeaseRevokeAsync(new LeaseRevokeRequest { ID = lease }, h, connection.Deadline, cancellationToken).ResponseAsync,
            "revoking the lease",
            cancellationToken).ConfigureAwait(false);
    }

    protected override Exception TranslateError(Exception exception, string operation) => EtcdErrors.Translate(exception, Endpoint, operation);

    protected override ValueTask DisposeCoreAsync()
    {
        DropConnection();
        return base.DisposeCoreAsync();
    }

    private static long TtlSeconds(EtcdRegistryOptions options) => Math.Max(2, (long)Math.Ceiling(options.LeaseTtl.TotalSeconds));

    private async Task<EtcdConnection> ConnectAsync(CancellationToken cancellationToken) =>
        _connection ??= await EtcdConnection.ConnectAsync(_options, _endpoint, cancellationToken).ConfigureAwait(false);

    private void DropConnection()
    {
        _keepAlive?.Dispose();
        _keepAlive = null;
        _connection?.Dispose();
        _connection = null;
        _endpoint++;
    }

    private async Task PutAsync(EtcdConnection connection, ServiceInstance instance, CancellationToken cancellationToken)
    {
        var request = new PutRequest { Key = _key, Value = ByteString.CopyFrom(_codec.EncodeValue(instance)), Lease = LeaseId };
        await connection.CallAsync(
            h => connection.Kv.PutAsync(request, h, connection.Deadline, cancellationToken).ResponseAsync,
            "putting the instance",
            cancellationToken).ConfigureAwait(false);
    }
}
