using System.Globalization;

namespace Registry.Adapters.Etcd;

/// <summary>Options of an etcd v3 registry (discovery and registration); bound from a <c>Mesh:Registries:N</c> element of kind <c>etcd</c>.</summary>
public sealed class EtcdRegistryOptions : Registry.Adapters.Backends.IRegistryOptions
{
    /// <summary>The default key prefix of the <see cref="EtcdKeyFormat.Mesh"/> format.</summary>
    public const string DefaultMeshPrefix = "/mesh/services/";

    /// <summary>The default key prefix of the <see cref="EtcdKeyFormat.Kratos"/> format.</summary>
    public const string DefaultKratosPrefix = "/microservices/";

    /// <summary>
    /// The etcd client URLs (<c>http://10.0.0.1:2379</c>, <c>https://etcd-0:2379</c>). The client uses one at a time and moves to the next on failure.
    /// <value>The default value is empty: set at least one.</value>
    /// </summary>
    public IList<string> Endpoints { get; } = [];

    /// <summary>
    /// The key prefix under which instances live. A trailing <c>/</c> is added when missing, so that the service
    /// <c>inventory</c> never picks up the keys of <c>inventory-admin</c>.
    /// <value>The default value is <see langword="null"/>: <see cref="DefaultMeshPrefix"/> or <see cref="DefaultKratosPrefix"/> by <see cref="Format"/>.</value>
    /// </summary>
    public string? Prefix { get; set; }

    /// <summary>The key and value layout. <value>The default value is <see cref="EtcdKeyFormat.Mesh"/>.</value></summary>
    public EtcdKeyFormat Format { get; set; } = EtcdKeyFormat.Mesh;

    /// <summary>The etcd user, when etcd has authentication enabled. <value>The default value is <see langword="null"/>: no authentication.</value></summary>
    public string? Username { get; set; }

    /// <summary>The etcd user's password. Never logged nor shown. <value>The default value is <see langword="null"/>.</value></summary>
    public string? Password { get; set; }

    /// <summary>A PEM file with the CA certificate(s) that sign the etcd server certificate. <value>The default value is <see langword="null"/>: the system's trust store.</value></summary>
    public string? CaFile { get; set; }

    /// <summary>A PEM client certificate for etcd's <c>--client-cert-auth</c>. <value>The default value is <see langword="null"/>: no client certificate.</value></summary>
    public string? ClientCertificateFile { get; set; }

    /// <summary>The PEM private key of <see cref="ClientCertificateFile"/>. <value>The default value is <see langword="null"/>.</value></summary>
    public string? ClientKeyFile { get; set; }

    /// <summary>How long to wait for a TCP/TLS connection to an endpoint. <value>The default value is 5 seconds.</value></summary>
    public TimeSpan DialTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>The deadline of one request (a range page, a put, a lease grant). <value>The default value is 10 seconds.</value></summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How many keys one range request returns; the full read is paged at one pinned revision. <value>The default value is 1000.</value></summary>
    public int PageSize { get; set; } = 1000;

    /// <summary>The lease TTL of registrations made by the registrar. <value>The default value is 15 seconds.</value></summary>
    public TimeSpan LeaseTtl { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>Values larger than this are skipped and reported. <value>The default value is 65536 bytes (64 KiB).</value></summary>
    public int MaxValueBytes { get; set; } = 64 * 1024;

    /// <summary>
    /// How the watch reconnects after a fault (<c>Reconnect:InitialDelay</c>, <c>Reconnect:MaxDelay</c>,
    /// <c>Reconnect:Jitter</c>), the same in every backend. <value>The default value is 200 ms doubling up to 30 s, jitter 0.5.</value>
    /// </summary>
    public Registry.Adapters.Backends.ReconnectOptions Reconnect { get; } = new();

    /// <summary>Parses an endpoint; a URL without an explicit port gets etcd's 2379.</summary>
    /// <param name="endpoint">The endpoint as configured.</param>
    /// <returns>The URL to dial.</returns>
    internal static Uri ParseEndpoint(string endpoint)
    {
        var uri = new Uri(endpoint, UriKind.Absolute);
        var explicitPort = uri.Authority.LastIndexOf(':') > uri.Authority.LastIndexOf(']');
        return explicitPort ? new UriBuilder(uri.Scheme, uri.Host, uri.Port).Uri : new UriBuilder(uri.Scheme, uri.Host, 2379).Uri;
    }

    /// <summary>The prefix in effect: <see cref="Prefix"/> or the format's default, always ending with <c>/</c>.</summary>
    public string EffectivePrefix
    {
        get
        {
            var prefix = string.IsNullOrEmpty(Prefix)
                ? (Format == EtcdKeyFormat.Kratos ? DefaultKratosPrefix : DefaultMeshPrefix)
                : Prefix;
            return prefix.EndsWith('/') ? prefix : prefix + "/";
        }
    }

    /// <summary>Checks the options.</summary>
    /// <param name="path">The configuration path of the options, used in messages (<c>Mesh:Registries:2</c>).</param>
    /// <returns>One message per problem, naming the setting and the fix; empty when valid.</returns>
    public IReadOnlyList<string> Validate(string path = "Etcd")
    {
        var errors = new List<string>();
        if (Endpoints.Count == 0)
        {
            errors.Add($"Set {path}:Endpoints:0 to an etcd client URL such as http://127.0.0.1:2379.");
        }

        for (var i = 0; i < Endpoints.Count; i++)
        {
            if (!Uri.TryCreate(Endpoints[i], UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
            {
                errors.Add($"{path}:Endpoints:{i.ToString(CultureInfo.InvariantCulture)} is not an etcd client URL; set it to http://host:port or https://host:port.");
            }
            else if (!string.IsNullOrEmpty(uri.UserInfo))
            {
                errors.Add($"{path}:Endpoints:{i.ToString(CultureInfo.InvariantCulture)} carries user info; set {path}:Username and {path}:Password instead.");
            }
        }

        if (Prefix is { Length: > 0 } prefix && (!prefix.StartsWith('/') || prefix.Contains("..", StringComparison.Ordinal)))
        {
            errors.Add($"{path}:Prefix must start with '/' and must not contain '..'; set it like /mesh/services/.");
        }

        if (!Enum.IsDefined(Format))
        {
            errors.Add($"{path}:Format must be Mesh or Kratos.");
        }

        if (string.IsNullOrEmpty(Username) != string.IsNullOrEmpty(Password))
        {
            errors.Add($"Set both {path}:Username and {path}:Password, or neither.");
        }

        Registry.Adapters.Backends.PemTls.Validate(CaFile, ClientCertificateFile, ClientKeyFile, path, errors);
        CheckPositive(errors, path, nameof(DialTimeout), DialTimeout);
        CheckPositive(errors, path, nameof(RequestTimeout), RequestTimeout);
        Reconnect.Validate($"{path}:Reconnect", errors);

        if (LeaseTtl < TimeSpan.FromSeconds(2))
        {
            errors.Add($"{path}:LeaseTtl must be at least 2 seconds (etcd leases count whole seconds); set it like 00:00:15.");
        }

        if (PageSize is < 1 or > 100_000)
        {
            errors.Add($"{path}:PageSize must be between 1 and 100000; the default 1000 suits most registries.");
        }

        if (MaxValueBytes < 256)
        {
            errors.Add($"{path}:MaxValueBytes must be at least 256 bytes; the default is 65536.");
        }

        return errors;
    }

    private static void CheckPositive(List<string> errors, string path, string name, TimeSpan value)
    {
        if (value <= TimeSpan.Zero)
        {
            errors.Add($"{path}:{name} must be positive; set it like 00:00:05.");
        }
    }

    /// <inheritdoc />
    IReadOnlyList<string> Registry.Adapters.Backends.IRegistryOptions.Validate(string settingPath) => Validate(settingPath);
}
