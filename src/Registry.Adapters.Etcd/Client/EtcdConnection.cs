using System.Net.Security;
using Etcdserverpb;
using Grpc.Core;
using Grpc.Net.Client;

namespace Registry.Adapters.Etcd;

/// <summary>
/// One gRPC connection to one etcd endpoint, over dotnet-etcd's generated clients: TLS with a custom CA and
/// client certificate, and etcd's token authentication (the token travels as the <c>token</c> header).
/// The registry and registrar own their watch and keep-alive streams on top of it, so reconnects are theirs.
/// </summary>
internal sealed class EtcdConnection : IDisposable
{
    private const int MaxMessageBytes = 256 * 1024 * 1024;
    private readonly GrpcChannel _channel;
    private readonly EtcdRegistryOptions _options;
    private readonly Registry.Adapters.Backends.PemTls? _tls;
    private Metadata? _headers;

    private EtcdConnection(EtcdRegistryOptions options, Uri endpoint)
    {
        _options = options;
        Endpoint = endpoint;
        // Every secret this connection holds is known to the shared scrubber before any server text can quote it.
        Registry.Adapters.Backends.SecretScrubber.RegisterBasicAuth(options.Username, options.Password);
        Registry.Adapters.Backends.SecretScrubber.RegisterFileContents(options.ClientKeyFile);
        var handler = new SocketsHttpHandler
        {
            ConnectTimeout = options.DialTimeout,
            KeepAlivePingDelay = TimeSpan.FromSeconds(10),
            KeepAlivePingTimeout = TimeSpan.FromSeconds(5),
            KeepAlivePingPolicy = HttpKeepAlivePingPolicy.Always,
            EnableMultipleHttp2Connections = true,
        };
        if (endpoint.Scheme == Uri.UriSchemeHttps)
        {
            _tls = Registry.Adapters.Backends.PemTls.Load(options.CaFile, options.ClientCertificateFile, options.ClientKeyFile);
            handler.SslOptions = new SslClientAuthenticationOptions();
            _tls?.ApplyTo(handler.SslOptions);
        }

        _channel = GrpcChannel.ForAddress(endpoint, new GrpcChannelOptions
        {
            HttpHandler = handler,
            DisposeHttpClient = true,
            MaxReceiveMessageSize = MaxMessageBytes,
            MaxSendMessageSize = MaxMessageBytes,
            ThrowOperationCanceledOnCancellation = true,
        });
        Kv = new KV.KVClient(_channel);
        Watch = new Watch.WatchClient(_channel);
        Lease = new Lease.LeaseClient(_channel);
        Auth = new Auth.AuthClient(_channel);
    }

    /// <summary>The endpoint this connection dials.</summary>
    public Uri Endpoint { get; }

    public KV.KVClient Kv { get; }

    public Watch.WatchClient Watch { get; }

    public Lease.LeaseClient Lease { get; }

    public Auth.AuthClient Auth { get; }

    /// <summary>The headers every call carries (the auth token), or <see langword="null"/>.</summary>
    public Metadata? Headers => _headers;

    /// <summary>The deadline of one unary request.</summary>
    /// <remarks>gRPC deadlines are absolute wall-clock times that gRPC itself compares with the system clock, so they are not taken from an injected TimeProvider.</remarks>
    public DateTime Deadline => DateTime.UtcNow + _options.RequestTimeout;

    /// <summary>Opens a connection to endpoint <paramref name="index"/> (modulo the count) and authenticates when a user is set.</summary>
    public static async Task<EtcdConnection> ConnectAsync(EtcdRegistryOptions options, int index, CancellationToken cancellationToken)
    {
        var endpoint = EtcdRegistryOptions.ParseEndpoint(options.Endpoints[index % options.Endpoints.Count]);
        var connection = new EtcdConnection(options, endpoint);
        try
        {
            await connection.AuthenticateAsync(cancellationToken).ConfigureAwait(false);
            return connection;
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    /// <summary>Gets a fresh token (etcd simple tokens expire; callers re-authenticate on <c>invalid auth token</c>).</summary>
    public async Task AuthenticateAsync(CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(_options.Username))
        {
            return;
        }

        try
        {
            var response = await Auth.AuthenticateAsync(
                new AuthenticateRequest { Name = _options.Username, Password = _options.Password ?? string.Empty },
                deadline: Deadline,
                cancellationToken: cancellationToken).ConfigureAwait(false);
            Registry.Adapters.Backends.SecretScrubber.Register(response.Token);
            _headers = new Metadata { { "token", response.Token } };
        }
        catch (RpcException ex)
        {
            throw EtcdErrors.Translate(ex, Endpoint, $"authenticating as '{ValidatorText(_options.Username)}'");
        }
    }

    /// <summary>Runs a unary call; re-authenticates once when etcd says the token expired.</summary>
    public async Task<T> CallAsync<T>(Func<Metadata?, Task<T>> call, string what, CancellationToken cancellationToken)
    {
        try
        {
            return await call(_headers).ConfigureAwait(false);
        }
        catch (RpcException ex) when (EtcdErrors.IsInvalidToken(ex) && !string.IsNullOrEmpty(_options.Username))
        {
            await AuthenticateAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                return await call(_headers).ConfigureAwait(false);
            }
            catch (RpcException retry)
            {
                throw EtcdErrors.Translate(retry, Endpoint, what);
            }
        }
        catch (RpcException ex)
        {
            throw EtcdErrors.Translate(ex, Endpoint, what);
        }
    }

    public void Dispose()
    {
        _channel.Dispose();
        _tls?.Dispose();
    }

    private static string ValidatorText(string? value) => ServiceInstanceValidator.Printable(value, 64);
}
