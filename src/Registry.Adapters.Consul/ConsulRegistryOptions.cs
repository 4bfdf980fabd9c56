namespace Registry.Adapters.Consul;

/// <summary>
/// Options of a Consul registry (discovery and registration). Unset values fall back to the Consul CLI's
/// environment (<c>CONSUL_HTTP_ADDR</c>, <c>CONSUL_HTTP_TOKEN</c>, <c>CONSUL_HTTP_TOKEN_FILE</c>, …) when
/// <see cref="UseEnvironment"/> is on, then to the documented defaults.
/// </summary>
public sealed class ConsulRegistryOptions
{
    /// <summary>The default agent address, as the Consul CLI uses.</summary>
    public const string DefaultAddress = "http://127.0.0.1:8500";

    /// <summary>
    /// The HTTP(S) address of the Consul agent (<c>http://127.0.0.1:8500</c>); <c>host:port</c> without a scheme is accepted as the CLI does.
    /// <value>The default value is <c>CONSUL_HTTP_ADDR</c>, else <c>http://127.0.0.1:8500</c>.</value>
    /// </summary>
    public string? Address { get; set; }

    /// <summary>
    /// The ACL token. Sent only as the <c>X-Consul-Token</c> header, never in a URL, never logged.
    /// <value>The default value is <c>CONSUL_HTTP_TOKEN</c>, else none (the agent's default token).</value>
    /// </summary>
    public string? Token { get; set; }

    /// <summary>
    /// A file holding the ACL token; re-read when it changes, so a rotated token is picked up. Wins over
    /// <see cref="Token"/> when it holds a token, as in the Consul CLI.
    /// <value>The default value is <c>CONSUL_HTTP_TOKEN_FILE</c>, else none.</value>
    /// </summary>
    public string? TokenFile { get; set; }

    /// <summary>The datacenter (<c>dc</c>). <value>The default value is <see langword="null"/>: the agent's datacenter.</value></summary>
    public string? Datacenter { get; set; }

    /// <summary>The Consul Enterprise namespace (<c>ns</c>). <value>The default value is <c>CONSUL_NAMESPACE</c>, else none.</value></summary>
    public string? Namespace { get; set; }

    /// <summary>The Consul Enterprise admin partition (<c>partition</c>). <value>The default value is <c>CONSUL_PARTITION</c>, else none.</value></summary>
    public string? Partition { get; set; }

    /// <summary>
    /// Only instances carrying every one of these tags are read; services whose tags cannot match are not watched.
    /// <value>The default value is empty: every instance.</value>
    /// </summary>
    public IList<string> TagFilter { get; } = [];

    /// <summary>
    /// How long one blocking query may hold (<c>wait</c>; Consul adds up to 1/16 of it as jitter). At most 10 minutes.
    /// <value>The default value is 5 minutes.</value>
    /// </summary>
    public TimeSpan Wait { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// The least time between the starts of two queries of one loop, so that a server answering at once cannot make a loop spin.
    /// <value>The default value is 100 milliseconds.</value>
    /// </summary>
    public TimeSpan MinQueryInterval { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>Reads with <c>?stale</c> (any server answers; faster, may lag). <value>The default value is <see langword="false"/>.</value></summary>
    public bool AllowStale { get; set; }

    /// <summary>How long a non-blocking request may take. <value>The default value is 30 seconds.</value></summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>The most services read at once during a full read. <value>The default value is 8.</value></summary>
    public int MaxConcurrentReads { get; set; } = 8;

    /// <summary>The default of <see cref="MaxResponseBytes"/>: 64 MiB.</summary>
    public const long DefaultMaxResponseBytes = Registry.Adapters.Backends.HttpLimits.DefaultMaxResponseBytes;

    /// <summary>
    /// The longest a response body may go without a byte once the headers arrived, separate from a blocking query's
    /// <see cref="Wait"/> (Consul sends the headers only when the query returns): a server or proxy that stalls mid-body
    /// becomes a retry after this long instead of freezing the watch. <value>The default value is 10 seconds.</value>
    /// </summary>
    public TimeSpan BodyIdleTimeout { get; set; } = Registry.Adapters.Backends.HttpLimits.DefaultBodyIdleTimeout;

    /// <summary>
    /// The largest response body read from the agent, in bytes. A larger answer (by its <c>Content-Length</c>, or counted while
    /// reading when it has none) fails that request with a <see cref="RegistryException"/>; a watch retries it with backoff.
    /// Counted after decompression. Protects the process from a misbehaving or hostile endpoint. At least 1024 (the same range for every backend).
    /// <value>The default value is 67108864 (64 MiB).</value>
    /// </summary>
    public long MaxResponseBytes { get; set; } = DefaultMaxResponseBytes;

    /// <summary>The default of <see cref="TxnMaxRequestBytes"/>: 524288 bytes, Consul's default <c>limits.txn_max_req_len</c>.</summary>
    public const int DefaultTxnMaxRequestBytes = 512 * 1024;

    /// <summary>
    /// The largest <c>PUT /v1/txn</c> body the sync writes into this registry, in bytes: the servers' <c>limits.txn_max_req_len</c>
    /// (or <c>limits.kv_max_value_size</c> when that is larger), which refuse a larger transaction with a 413. The sync cuts its
    /// transactions to fit, and an instance whose registration alone does not fit is rejected (reported, never sent). At
    /// least 16384. <value>The default value is 524288 (512 KiB), Consul's default.</value>
    /// </summary>
    public int TxnMaxRequestBytes { get; set; } = DefaultTxnMaxRequestBytes;

    /// <summary>The <c>Service.Meta</c> key that holds the instance's zone. <value>The default value is <c>zone</c>.</value></summary>
    public string ZoneMetaKey { get; set; } = "zone";

    /// <summary>The name given to <c>Service.Port</c>. <value>The default value is <c>http</c>.</value></summary>
    public string PortName { get; set; } = "http";

    /// <summary>
    /// The <c>Service.Meta</c> key that names the port's protocol (<c>http</c>, <c>https</c>, <c>grpc</c>); a meta <c>secure=true</c>
    /// (Spring Cloud Consul) means <c>https</c>. <value>The default value is <c>scheme</c>.</value>
    /// </summary>
    public string ProtocolMetaKey { get; set; } = "scheme";

    /// <summary>The port protocol when the meta does not name one. <value>The default value is <c>http</c>.</value></summary>
    public string DefaultProtocol { get; set; } = "http";

    /// <summary>
    /// Reads connect proxies and gateways too (a non-empty <c>Service.Kind</c>).
    /// <value>The default value is <see langword="false"/>: mesh infrastructure is left out.</value>
    /// </summary>
    public bool IncludeProxies { get; set; }

    /// <summary>
    /// How the watch reconnects after a fault (<c>Reconnect:InitialDelay</c>, <c>Reconnect:MaxDelay</c>,
    /// <c>Reconnect:Jitter</c>), the same in every backend. <value>The default value is 200 ms doubling up to 30 s, jitter 0.5.</value>
    /// </summary>
    public Registry.Adapters.Backends.ReconnectOptions Reconnect { get; } = new();

    /// <summary>A PEM file of CA certificates that the agent's certificate must chain to. <value>The default value is <c>CONSUL_CACERT</c>, else the system store.</value></summary>
    public string? CaFile { get; set; }

    /// <summary>A PEM client certificate for mutual TLS. <value>The default value is <c>CONSUL_CLIENT_CERT</c>, else none.</value></summary>
    public string? ClientCertificateFile { get; set; }

    /// <summary>The PEM private key of <see cref="ClientCertificateFile"/>. <value>The default value is <c>CONSUL_CLIENT_KEY</c>, else none.</value></summary>
    public string? ClientKeyFile { get; set; }

    /// <summary>Fills unset values from the Consul CLI's environment variables. <value>The default value is <see langword="true"/>.</value></summary>
    public bool UseEnvironment { get; set; } = true;

    /// <summary>Registration settings (<see cref="Registry.Adapters.IServiceRegistrar"/>).</summary>
    public ConsulRegistrationOptions Registration { get; } = new();

    /// <summary>Reads an environment variable; a seam for tests. <value>The default value is <see cref="Environment.GetEnvironmentVariable(string)"/>.</value></summary>
    public Func<string, string?> EnvironmentReader { get; set; } = Environment.GetEnvironmentVariable;

    /// <summary>
    /// Creates the HTTP handler; a seam for tests and proxies. Called once per registry or registrar; the handler is disposed with it.
    /// <value>The default value is <see langword="null"/>: a <see cref="SocketsHttpHandler"/> with the TLS settings above.</value>
    /// </summary>
    public Func<HttpMessageHandler>? HttpMessageHandlerFactory { get; set; }
}
