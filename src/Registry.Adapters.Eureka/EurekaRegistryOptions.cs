using System.Globalization;

namespace Registry.Adapters.Eureka;

/// <summary>Options of a Eureka registry (discovery and registration); bound from a <c>Mesh:Registries:N</c> element of kind <c>eureka</c>.</summary>
public sealed class EurekaRegistryOptions : Registry.Adapters.Backends.IRegistryOptions
{
    /// <summary>
    /// The Eureka servers' base URLs, in preference order, each ending where <c>apps</c> starts:
    /// <c>http://localhost:8761/eureka/</c> (Spring Cloud) or <c>http://host/eureka/v2/</c> (Netflix WAR).
    /// User info in a URL (<c>http://user:password@host/eureka/</c>) becomes a basic-auth header and is never shown.
    /// Required. <value>The default value is an empty list.</value>
    /// </summary>
    public IList<string> ServiceUrls { get; } = [];

    /// <summary>How often the registry is fetched (<c>registryFetchIntervalSeconds</c>). <value>The default value is 30 seconds.</value></summary>
    public TimeSpan FetchInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Never asks for <c>apps/delta</c>; fetches the full registry every interval (<c>shouldDisableDelta</c>). <value>The default value is <see langword="false"/>.</value></summary>
    public bool DisableDelta { get; set; }

    /// <summary>Uses <c>ipAddr</c> instead of <c>hostName</c> as the instance host. <value>The default value is <see langword="false"/>.</value></summary>
    public bool PreferIpAddress { get; set; }

    /// <summary>
    /// Names services after the instances' <c>vipAddress</c> (each comma-separated VIP is a service) instead of the
    /// application name. <value>The default value is <see langword="false"/>: the application name as Eureka spells it (<c>ORDERS</c>).</value>
    /// </summary>
    public bool UseVipAddress { get; set; }

    /// <summary>The instance metadata key that holds the zone; the Amazon data-center <c>availability-zone</c> is used when it is absent. <value>The default value is <c>zone</c>.</value></summary>
    public string ZoneMetadataKey { get; set; } = "zone";

    /// <summary>
    /// After failing over to a later service URL, go back to the first one after this long; a server that failed is
    /// tried last until this long has passed. <value>The default value is 5 minutes.</value>
    /// </summary>
    public TimeSpan FailbackAfter { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// How the watch reconnects after a fault (<c>Reconnect:InitialDelay</c>, <c>Reconnect:MaxDelay</c>,
    /// <c>Reconnect:Jitter</c>), the same in every backend. <value>The default value is 200 ms doubling up to 30 s, jitter 0.5.</value>
    /// </summary>
    public Registry.Adapters.Backends.ReconnectOptions Reconnect { get; } = new();

    /// <summary>The timeout of one HTTP request. <value>The default value is 30 seconds.</value></summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Registration: how often a registered instance renews its lease (<c>leaseRenewalIntervalInSeconds</c>). <value>The default value is 30 seconds.</value></summary>
    public TimeSpan RenewalInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Registration: the lease duration sent to the server (<c>leaseExpirationDurationInSeconds</c>). <value>The default value is 90 seconds.</value></summary>
    public TimeSpan LeaseDuration { get; set; } = TimeSpan.FromSeconds(90);

    /// <summary>
    /// The largest <c>apps</c> or <c>apps/delta</c> body read; a larger one fails that server (as a malformed body does)
    /// instead of being buffered without bound. <value>The default value is 64 MiB (67108864 bytes).</value>
    /// </summary>
    public long MaxResponseBytes { get; set; } = Registry.Adapters.Backends.HttpLimits.DefaultMaxResponseBytes;

    /// <summary>
    /// The longest a response body may go without a byte once the headers arrived (a stalled server or proxy fails that
    /// server within this, instead of holding the fetch for <see cref="RequestTimeout"/>). <value>The default value is 10 seconds.</value>
    /// </summary>
    public TimeSpan BodyIdleTimeout { get; set; } = Registry.Adapters.Backends.HttpLimits.DefaultBodyIdleTimeout;

    /// <summary>A PEM file of CA certificates the servers' certificates must chain to (for <c>https://</c> service URLs). <value>The default value is <see langword="null"/>: the system store.</value></summary>
    public string? CaFile { get; set; }

    /// <summary>A PEM client certificate for mutual TLS. <value>The default value is <see langword="null"/>: none.</value></summary>
    public string? ClientCertificateFile { get; set; }

    /// <summary>The PEM private key of <see cref="ClientCertificateFile"/>. <value>The default value is <see langword="null"/>.</value></summary>
    public string? ClientKeyFile { get; set; }

    /// <summary>A handler for every request (a test seam, or a custom TLS setup); not disposed by the registry. <value>The default value is <see langword="null"/>: a new <see cref="SocketsHttpHandler"/>.</value></summary>
    public HttpMessageHandler? HttpMessageHandler { get; set; }

    /// <summary>Checks the options.</summary>
    /// <param name="path">The configuration path to name in messages (<c>Mesh:Registries:2</c>).</param>
    /// <returns>The problems found; empty when the options are valid.</returns>
    public IReadOnlyList<string> Validate(string path = "Eureka")
    {
        var errors = new List<string>();
        if (ServiceUrls.Count == 0)
        {
            errors.Add($"{path}:ServiceUrls is empty. Set {path}:ServiceUrls:0 to the Eureka server's base URL, e.g. http://localhost:8761/eureka/.");
        }

        for (var i = 0; i < ServiceUrls.Count; i++)
        {
            if (!Uri.TryCreate(ServiceUrls[i], UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
            {
                errors.Add($"{path}:ServiceUrls:{i.ToString(CultureInfo.InvariantCulture)} is not an absolute http(s) URL. Set it to the Eureka server's base URL, e.g. http://localhost:8761/eureka/.");
            }
        }

        CheckPositive(errors, FetchInterval, path, nameof(FetchInterval), "30 seconds");
        CheckPositive(errors, RequestTimeout, path, nameof(RequestTimeout), "30 seconds");
        CheckPositive(errors, FailbackAfter, path, nameof(FailbackAfter), "5 minutes");
        CheckPositive(errors, RenewalInterval, path, nameof(RenewalInterval), "30 seconds");
        CheckPositive(errors, LeaseDuration, path, nameof(LeaseDuration), "90 seconds");
        if (LeaseDuration > TimeSpan.Zero && RenewalInterval >= LeaseDuration)
        {
            errors.Add($"{path}:RenewalInterval must be shorter than {path}:LeaseDuration, or the lease expires between heartbeats. Use e.g. 30 and 90 seconds.");
        }

        Reconnect.Validate($"{path}:Reconnect", errors);
        Registry.Adapters.Backends.PemTls.Validate(CaFile, ClientCertificateFile, ClientKeyFile, path, errors);
        Registry.Adapters.Backends.HttpLimits.ValidateMaxResponseBytes(MaxResponseBytes, $"{path}:MaxResponseBytes", errors);
        Registry.Adapters.Backends.HttpLimits.ValidateBodyIdleTimeout(BodyIdleTimeout, $"{path}:BodyIdleTimeout", errors);

        if (string.IsNullOrWhiteSpace(ZoneMetadataKey))
        {
            errors.Add($"{path}:ZoneMetadataKey is empty. Set it to the metadata key that holds the zone (default 'zone').");
        }

        return errors;
    }

    private static void CheckPositive(List<string> errors, TimeSpan value, string path, string name, string example)
    {
        if (value <= TimeSpan.Zero)
        {
            errors.Add($"{path}:{name} must be positive. Set it to a duration such as {example} (00:00:30).");
        }
    }

    /// <inheritdoc />
    IReadOnlyList<string> Registry.Adapters.Backends.IRegistryOptions.Validate(string settingPath) => Validate(settingPath);
}
