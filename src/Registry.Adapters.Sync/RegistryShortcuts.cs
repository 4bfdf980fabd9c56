using System.Globalization;
using Registry.Adapters.Consul;
using Registry.Adapters.Etcd;
using Registry.Adapters.Eureka;
using Registry.Adapters.Kubernetes;

namespace Registry.Adapters.Sync;

/// <summary>
/// A console option that adds one registry (<c>--etcd URL[,URL]</c>). The console turns each use into configuration keys
/// of a new <c>Mesh:Registries:N</c> element and then binds it like any other, through the kind's provider.
/// </summary>
/// <param name="Kind">The registry kind the option adds (<c>etcd</c>).</param>
/// <param name="Option">The option, with dashes (<c>--etcd</c>).</param>
/// <param name="Description">Help text.</param>
/// <param name="ValueName">The value's name in help (<c>URL[,URL]</c>), or <see langword="null"/> for a flag such as <c>--kubernetes</c>.</param>
/// <param name="ToConfiguration">Turns the option's value (<see langword="null"/> for a flag) into the element's keys, relative to it (<c>Address</c>, <c>Endpoints:0</c>). Throws <see cref="ArgumentException"/> with a clear message on a bad value.</param>
internal sealed record RegistryShortcut(
    string Kind,
    string Option,
    string Description,
    string? ValueName,
    Func<string?, IReadOnlyDictionary<string, string?>> ToConfiguration)
{
    /// <summary>Whether the option takes a value; <see langword="false"/> for a flag.</summary>
    public bool TakesValue => ValueName is not null;
}

/// <summary>
/// The registry shortcuts of <c>mesh-sync</c>, in the order they appear in help. Command-line help is the console's, not
/// a backend's: a new backend adds its shortcut here, producing the keys its options bind.
/// </summary>
internal static class RegistryShortcuts
{
    /// <summary>The shortcuts: <c>--file</c>, <c>--etcd</c>, <c>--consul</c>, <c>--eureka</c>, <c>--kubeconfig</c>, <c>--kubernetes</c>.</summary>
    public static IReadOnlyList<RegistryShortcut> All { get; } =
    [
        new(
            "file",
            "--file",
            "Adds a File registry over the catalog file PATH (JSON in the shape of 'list --output json'); repeatable.",
            "PATH",
            static value => string.IsNullOrWhiteSpace(value)
                ? throw new ArgumentException("needs the path of a catalog file.")
                : Keys(("Path", value))),
        new(
            EtcdRegistryProvider.KindName,
            "--etcd",
            "Adds an etcd v3 registry: one or more client URLs, comma-separated (http://127.0.0.1:2379).",
            "URL[,URL]",
            Etcd),
        new(
            ConsulRegistryProvider.KindName,
            "--consul",
            "Adds a Consul registry at URL (http[s]://host:port, or host:port); the token and TLS settings come from CONSUL_HTTP_TOKEN, CONSUL_HTTP_TOKEN_FILE, CONSUL_CACERT.",
            "URL",
            Consul),
        new(
            EurekaRegistryProvider.KindName,
            "--eureka",
            "Adds a Eureka registry: one or more server base URLs, comma-separated, in failover order (http://localhost:8761/eureka/).",
            "URL[,URL]",
            Eureka),
        new(
            KubernetesRegistryProvider.KindName,
            "--kubeconfig",
            "Adds a Kubernetes registry read through the kubeconfig file PATH (its current context).",
            "PATH",
            static value => string.IsNullOrWhiteSpace(value)
                ? throw new ArgumentException("--kubeconfig needs the path of a kubeconfig file, for example --kubeconfig ~/.kube/config.")
                : Keys(("KubeconfigPath", value))),
        new(
            KubernetesRegistryProvider.KindName,
            "--kubernetes",
            "Adds a Kubernetes registry read with the pod's service account (in-cluster).",
            null,
            static _ => Keys(("InCluster", "true"))),
    ];

    private static Dictionary<string, string?> Keys(params ReadOnlySpan<(string Key, string? Value)> pairs)
    {
        var keys = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        foreach (var (key, value) in pairs)
        {
            keys[key] = value;
        }

        return keys;
    }

    private static string Ordinal(int index) => (index + 1).ToString(CultureInfo.InvariantCulture);

    private static string Index(int index) => index.ToString(CultureInfo.InvariantCulture);

    private static Dictionary<string, string?> Etcd(string? value)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            throw new ArgumentException("--etcd expects one or more etcd client URLs, comma-separated, such as http://127.0.0.1:2379.");
        }

        var keys = Keys();
        var parts = value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        for (var i = 0; i < parts.Length; i++)
        {
            var url = parts[i].Contains("://", StringComparison.Ordinal) ? parts[i] : "http://" + parts[i];
            if (url.Contains('@', StringComparison.Ordinal))
            {
                throw new ArgumentException($"--etcd: URL {Ordinal(i)} carries credentials; give the user and password in a --config file (Username, Password), never in the URL.");
            }

            if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || !IsHttp(uri) || !string.IsNullOrEmpty(uri.UserInfo))
            {
                throw new ArgumentException($"--etcd: '{ServiceInstanceValidator.Printable(parts[i], 80)}' is not an etcd client URL; use http://host:port or https://host:port (credentials go in a --config file).");
            }

            keys[$"Endpoints:{Index(i)}"] = url;
        }

        return keys;
    }

    private static Dictionary<string, string?> Consul(string? value)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            throw new ArgumentException("--consul needs the agent's address, e.g. --consul http://127.0.0.1:8500 (use \"$CONSUL_HTTP_ADDR\" to take it from the environment).");
        }

        var text = value.Trim();
        var candidate = text.Contains("://", StringComparison.Ordinal) ? text : "http://" + text;
        if (!Uri.TryCreate(candidate, UriKind.Absolute, out var uri) || !IsHttp(uri) || string.IsNullOrEmpty(uri.Host))
        {
            throw new ArgumentException($"--consul '{WithoutUserInfo(text)}' is not an http:// or https:// address, e.g. http://127.0.0.1:8500.");
        }

        return Keys(("Address", text));
    }

    private static Dictionary<string, string?> Eureka(string? value)
    {
        var urls = (value ?? string.Empty).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (urls.Length == 0)
        {
            throw new ArgumentException("--eureka needs at least one URL, e.g. --eureka http://localhost:8761/eureka/.");
        }

        var keys = Keys();
        for (var i = 0; i < urls.Length; i++)
        {
            if (!Uri.TryCreate(urls[i], UriKind.Absolute, out var uri) || !IsHttp(uri))
            {
                throw new ArgumentException($"--eureka: URL {Ordinal(i)} is not an absolute http(s) URL; use e.g. http://localhost:8761/eureka/.");
            }

            keys[$"ServiceUrls:{Index(i)}"] = urls[i];
        }

        return keys;
    }

    private static bool IsHttp(Uri uri) => uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps;

    /// <summary>An address without its user info (<c>http://u:p@host</c> → <c>http://host/</c>), as Consul's own settings show it.</summary>
    private static string WithoutUserInfo(string address)
    {
        if (Uri.TryCreate(address, UriKind.Absolute, out var uri) && !string.IsNullOrEmpty(uri.UserInfo))
        {
            return new UriBuilder(uri) { UserName = string.Empty, Password = string.Empty }.Uri.ToString();
        }

        var at = address.LastIndexOf('@');
        return at < 0 ? address : "***" + address[at..];
    }
}
