using System.Globalization;
using Microsoft.Extensions.Options;

namespace Registry.Adapters.Consul;

/// <summary>
/// <see cref="ConsulRegistryOptions"/> with the environment applied, validated and normalised. <see cref="object.ToString"/>
/// never prints <see cref="Token"/> (see <see cref="PrintMembers"/>).
/// </summary>
internal sealed partial record ConsulSettings
{
    private const int MinTxnMaxRequestBytes = 16 * 1024;
    private static readonly TimeSpan MaxWait = TimeSpan.FromMinutes(10);

    public required Uri BaseAddress { get; init; }

    /// <summary>The address for logs and errors: user-info removed.</summary>
    public required string DisplayAddress { get; init; }

    public string? Token { get; init; }

    public string? TokenFile { get; init; }

    public string? Datacenter { get; init; }

    public string? Namespace { get; init; }

    public string? Partition { get; init; }

    public IReadOnlyList<string> TagFilter { get; init; } = [];

    public TimeSpan Wait { get; init; } = TimeSpan.FromMinutes(5);

    public TimeSpan MinQueryInterval { get; init; } = TimeSpan.FromMilliseconds(100);

    public bool AllowStale { get; init; }

    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(30);

    public int MaxConcurrentReads { get; init; } = 8;

    /// <summary>See <see cref="ConsulRegistryOptions.Reconnect"/>.</summary>
    public Registry.Adapters.Backends.ReconnectOptions Reconnect { get; init; } = new();

    public long MaxResponseBytes { get; init; } = ConsulRegistryOptions.DefaultMaxResponseBytes;

    /// <summary>See <see cref="ConsulRegistryOptions.TxnMaxRequestBytes"/>.</summary>
    public int TxnMaxRequestBytes { get; init; } = ConsulRegistryOptions.DefaultTxnMaxRequestBytes;

    /// <summary>See <see cref="ConsulRegistryOptions.BodyIdleTimeout"/>.</summary>
    public TimeSpan BodyIdleTimeout { get; init; } = Registry.Adapters.Backends.HttpLimits.DefaultBodyIdleTimeout;

    public string ZoneMetaKey { get; init; } = "zone";

    public string PortName { get; init; } = "http";

    public string ProtocolMetaKey { get; init; } = "scheme";

    public string DefaultProtocol { get; init; } = "http";

    public bool IncludeProxies { get; init; }

    public string? CaFile { get; init; }

    public string? ClientCertificateFile { get; init; }

    public string? ClientKeyFile { get; init; }

    public ConsulRegistrationOptions Registration { get; init; } = new();

    public Func<HttpMessageHandler>? HttpMessageHandlerFactory { get; init; }

    /// <summary>Applies the environment, validates and normalises.</summary>
    /// <param name="options">The options.</param>
    /// <param name="path">The configuration path of the options, for messages (<c>Mesh:Registries:2</c>).</param>
    /// <exception cref="OptionsValidationException">A setting is invalid; the message names it and the fix.</exception>
    public static ConsulSettings Create(ConsulRegistryOptions options, string path)
    {
        ArgumentNullException.ThrowIfNull(options);
        var env = options.UseEnvironment ? options.EnvironmentReader : static _ => null;
        var failures = new List<string>();
        string Key(string name) => string.IsNullOrEmpty(path) ? name : $"{path}:{name}";

        var useTls = ParseBool(env("CONSUL_HTTP_SSL"));
        var address = First(options.Address, env("CONSUL_HTTP_ADDR")) ?? DefaultAddressFor(useTls);
        var baseAddress = ParseAddress(address, useTls, out var hasUserInfo);
        var addressSource = string.IsNullOrWhiteSpace(options.Address) ? "CONSUL_HTTP_ADDR" : Key("Address");
        if (baseAddress is null)
        {
            failures.Add($"{addressSource} '{Redact(address)}' is not an http:// or https:// address (unix sockets are not supported). Set it to the Consul agent's HTTP address, e.g. http://127.0.0.1:8500.");
        }
        else if (hasUserInfo)
        {
            // Consul does not read credentials from the URL: dropping them silently would hide a misconfiguration.
            failures.Add($"{addressSource} '{Redact(address)}' carries user-info (credentials), which Consul ignores. Remove it from the address and put credentials in Token or TokenFile.");
        }

        var token = First(options.Token, env("CONSUL_HTTP_TOKEN"));
        var tokenFile = First(options.TokenFile, env("CONSUL_HTTP_TOKEN_FILE"));
        if (token is not null && token.AsSpan().IndexOfAny('\r', '\n') >= 0)
        {
            failures.Add($"{Key("Token")} contains a line break. Set it to the ACL token's secret id only.");
        }

        if (tokenFile is not null && !File.Exists(tokenFile))
        {
            failures.Add($"{Key("TokenFile")} '{tokenFile}' does not exist. Point it at a readable file holding the ACL token.");
        }

        if (options.Wait <= TimeSpan.Zero || options.Wait > MaxWait)
        {
            failures.Add($"{Key("Wait")} must be more than 0 and at most 10 minutes (Consul's limit). Set it to e.g. 00:05:00.");
        }

        if (options.MinQueryInterval < TimeSpan.Zero)
        {
            failures.Add($"{Key("MinQueryInterval")} must not be negative. Set it to e.g. 00:00:00.1.");
        }

        if (options.RequestTimeout <= TimeSpan.Zero)
        {
            failures.Add($"{Key("RequestTimeout")} must be positive. Set it to e.g. 00:00:30.");
        }

        if (options.MaxConcurrentReads < 1)
        {
            failures.Add($"{Key("MaxConcurrentReads")} must be at least 1.");
        }

        options.Reconnect.Validate(Key("Reconnect"), failures);
        Registry.Adapters.Backends.HttpLimits.ValidateMaxResponseBytes(options.MaxResponseBytes, Key("MaxResponseBytes"), failures);
        Registry.Adapters.Backends.HttpLimits.ValidateBodyIdleTimeout(options.BodyIdleTimeout, Key("BodyIdleTimeout"), failures);
        if (options.TxnMaxRequestBytes < MinTxnMaxRequestBytes)
        {
            failures.Add($"{Key("TxnMaxRequestBytes")} must be at least {MinTxnMaxRequestBytes.ToString(CultureInfo.InvariantCulture)}. Set it to the servers' limits.txn_max_req_len (Consul's default is 524288).");
        }

        foreach (var (name, value) in new[] { ("ZoneMetaKey", options.ZoneMetaKey), ("PortName", options.PortName), ("ProtocolMetaKey", options.ProtocolMetaKey), ("DefaultProtocol", options.DefaultProtocol) })
        {
            if (string.IsNullOrWhiteSpace(value))
            {
                failures.Add($"{Key(name)} must not be empty.");
            }
        }

        for (var i = 0; i < options.TagFilter.Count; i++)
        {
            if (string.IsNullOrWhiteSpace(options.TagFilter[i]))
            {
                failures.Add($"{Key("TagFilter")}:{i.ToString(CultureInfo.InvariantCulture)} is empty. Remove it or name a tag.");
            }
        }

        var caFile = First(options.CaFile, env("CONSUL_CACERT"));
        var certFile = First(options.ClientCertificateFile, env("CONSUL_CLIENT_CERT"));
        var keyFile = First(options.ClientKeyFile, env("CONSUL_CLIENT_KEY"));
        Registry.Adapters.Backends.PemTls.Validate(caFile, certFile, keyFile, path, failures);

        var registration = options.Registration;
        if (registration.Ttl < TimeSpan.FromSeconds(1))
        {
            failures.Add($"{Key("Registration:Ttl")} must be at least 1 second. Set it to e.g. 00:00:15.");
        }

        if (registration.DeregisterCriticalServiceAfter is { } reap && reap < TimeSpan.FromMinutes(1))
        {
            failures.Add($"{Key("Registration:DeregisterCriticalServiceAfter")} must be at least 1 minute (Consul's minimum), or unset.");
        }

        if (registration.HttpCheckUrl is { } checkUrl && !(Uri.TryCreate(checkUrl, UriKind.Absolute, out var parsed) && parsed.Scheme is "http" or "https"))
        {
            failures.Add($"{Key("Registration:HttpCheckUrl")} must be an absolute http:// or https:// URL.");
        }

        if (registration.HttpCheckInterval <= TimeSpan.Zero || registration.HttpCheckTimeout <= TimeSpan.Zero)
        {
            failures.Add($"{Key("Registration:HttpCheckInterval")} and {Key("Registration:HttpCheckTimeout")} must be positive.");
        }

        if (failures.Count > 0)
        {
            throw new OptionsValidationException(string.IsNullOrEmpty(path) ? "Consul" : path, typeof(ConsulRegistryOptions), failures);
        }

        return new ConsulSettings
        {
            BaseAddress = baseAddress!,
            DisplayAddress = Redact(baseAddress!.ToString()),
            Token = token,
            TokenFile = tokenFile,
            Datacenter = First(options.Datacenter, null),
            Namespace = First(options.Namespace, env("CONSUL_NAMESPACE")),
            Partition = First(options.Partition, env("CONSUL_PARTITION")),
            TagFilter = [.. options.TagFilter],
            Wait = options.Wait,
            MinQueryInterval = options.MinQueryInterval,
            AllowStale = options.AllowStale,
            RequestTimeout = options.RequestTimeout,
            MaxConcurrentReads = options.MaxConcurrentReads,
            Reconnect = options.Reconnect,
            MaxResponseBytes = options.MaxResponseBytes,
            TxnMaxRequestBytes = options.TxnMaxRequestBytes,
            BodyIdleTimeout = options.BodyIdleTimeout,
            ZoneMetaKey = options.ZoneMetaKey,
            PortName = options.PortName,
            ProtocolMetaKey = options.ProtocolMetaKey,
            DefaultProtocol = options.DefaultProtocol,
            IncludeProxies = options.IncludeProxies,
            CaFile = caFile,
            ClientCertificateFile = certFile,
            ClientKeyFile = keyFile,
            Registration = registration,
            HttpMessageHandlerFactory = options.HttpMessageHandlerFactory,
        };
    }

    /// <summary>Removes user-info from an address for display.</summary>
    public static string Redact(string address)
    {
        if (Uri.TryCreate(address, UriKind.Absolute, out var uri) && !string.IsNullOrEmpty(uri.UserInfo))
        {
            return new UriBuilder(uri) { UserName = string.Empty, Password = string.Empty }.Uri.ToString();
        }

        var at = address.LastIndexOf('@');
        return at < 0 ? address : "***" + address[at..];
    }

    private static Uri? ParseAddress(string address, bool useTls, out bool hasUserInfo)
    {
        hasUserInfo = false;
        var text = address.Trim();
        if (!text.Contains("://", StringComparison.Ordinal))
        {
            text = (useTls ? "https://" : "http://") + text;
        }

        if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https") || string.IsNullOrEmpty(uri.Host))
        {
            return null;
        }

        hasUserInfo = !string.IsNullOrEmpty(uri.UserInfo);
        var builder = new UriBuilder(uri) { UserName = string.Empty, Password = string.Empty, Query = string.Empty, Fragment = string.Empty };
        if (!builder.Path.EndsWith('/'))
        {
            builder.Path += "/";
        }

        return builder.Uri;
    }

    private static string DefaultAddressFor(bool useTls) => useTls ? "https://127.0.0.1:8501" : ConsulRegistryOptions.DefaultAddress;

    private static bool ParseBool(string? value) =>
        value is not null && (value.Equals("true", StringComparison.OrdinalIgnoreCase) || value == "1");

    private static string? First(string? value, string? fallback) =>
        !string.IsNullOrWhiteSpace(value) ? value.Trim() : !string.IsNullOrWhiteSpace(fallback) ? fallback.Trim() : null;
}
