using System.Diagnostics.Metrics;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Registry.Adapters.Backends;

namespace Registry.Adapters.Etcd;

/// <summary>The <c>etcd</c> registry kind: configuration binding (<c>Mesh:Registries:N:Kind = etcd</c>) and the console's <c>--etcd URL[,URL]</c>.</summary>
public sealed class EtcdRegistryProvider : RegistryKind<EtcdRegistryOptions>
{
    /// <summary>The kind name.</summary>
    public const string KindName = "etcd";

    /// <inheritdoc />
    public override string Kind => KindName;

    /// <inheritdoc />
    public override IReadOnlyList<RegistryShortcut> Shortcuts { get; } =
    [
        new RegistryShortcut(
            "--etcd",
            "Adds an etcd v3 registry: one or more client URLs, comma-separated (http://127.0.0.1:2379).",
            TakesValue: true,
            ToConfiguration: ParseShortcut)
        {
            ValueName = "URL[,URL]",
        },
    ];

    /// <inheritdoc />
    protected override IReadOnlyDictionary<string, string> RenamedSettings { get; } = new Dictionary<string, string>
    {
        ["ReconnectDelay"] = "Reconnect:InitialDelay",
        ["MaxReconnectDelay"] = "Reconnect:MaxDelay",
    };

    /// <summary>Binds and validates options from a configuration section.</summary>
    /// <param name="name">The registry name.</param>
    /// <param name="configuration">The section.</param>
    /// <returns>The options.</returns>
    /// <exception cref="OptionsValidationException">The section is invalid.</exception>
    public static EtcdRegistryOptions Bind(string name, IConfigurationSection configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var kind = new EtcdRegistryProvider();
        var errors = new List<string>();
        var options = kind.Bind(configuration, errors);
        errors.AddRange(kind.Validate(options, configuration.Path));
        if (errors.Count > 0)
        {
            throw new OptionsValidationException(name, typeof(EtcdRegistryOptions), errors);
        }

        return options;
    }

    /// <inheritdoc />
    protected override IServiceRegistry CreateRegistry(string name, EtcdRegistryOptions options, string settingPath, IServiceProvider services) =>
        new EtcdServiceRegistry(name, options, LoggingOf(services), TimeOf(services), MetersOf(services));

    private static Dictionary<string, string?> ParseShortcut(string? value)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            throw new ArgumentException("--etcd expects one or more etcd client URLs, comma-separated, such as http://127.0.0.1:2379.");
        }

        var keys = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        var parts = value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        for (var i = 0; i < parts.Length; i++)
        {
            var url = parts[i].Contains("://", StringComparison.Ordinal) ? parts[i] : "http://" + parts[i];
            if (url.Contains('@', StringComparison.Ordinal))
            {
                throw new ArgumentException($"--etcd: URL {(i + 1).ToString(System.Globalization.CultureInfo.InvariantCulture)} carries credentials; give the user and password in a --config file (Username, Password), never in the URL.");
            }

            if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps) || !string.IsNullOrEmpty(uri.UserInfo))
            {
                throw new ArgumentException($"--etcd: '{ServiceInstanceValidator.Printable(parts[i], 80)}' is not an etcd client URL; use http://host:port or https://host:port (credentials go in a --config file).");
            }

            keys[$"Endpoints:{i.ToString(System.Globalization.CultureInfo.InvariantCulture)}"] = url;
        }

        return keys;
    }
}

/// <summary>Creates etcd registries and registrars without dependency injection.</summary>
public static class EtcdRegistryFactory
{
    /// <summary>Creates a discovery registry over etcd.</summary>
    /// <param name="name">The registry name.</param>
    /// <param name="options">The options; validated here.</param>
    /// <param name="loggerFactory">Logging. <value>The default value is <see cref="NullLoggerFactory"/>.</value></param>
    /// <param name="timeProvider">Time for backoff delays. <value>The default value is <see cref="TimeProvider.System"/>.</value></param>
    /// <param name="meterFactory">Metrics. <value>The default value is an unregistered meter.</value></param>
    /// <returns>The registry.</returns>
    /// <exception cref="OptionsValidationException">The options are invalid.</exception>
    public static IServiceRegistry CreateRegistry(string name, EtcdRegistryOptions options, ILoggerFactory? loggerFactory = null, TimeProvider? timeProvider = null, IMeterFactory? meterFactory = null)
    {
        Validate(name, options);
        return new EtcdServiceRegistry(name, options, loggerFactory ?? NullLoggerFactory.Instance, timeProvider ?? TimeProvider.System, meterFactory);
    }

    /// <summary>Creates a registrar that puts instances into etcd under a lease.</summary>
    /// <param name="name">The registry name.</param>
    /// <param name="options">The options; validated here.</param>
    /// <param name="loggerFactory">Logging. <value>The default value is <see cref="NullLoggerFactory"/>.</value></param>
    /// <param name="timeProvider">Time for keep-alive and backoff delays. <value>The default value is <see cref="TimeProvider.System"/>.</value></param>
    /// <returns>The registrar.</returns>
    /// <exception cref="OptionsValidationException">The options are invalid.</exception>
    public static IServiceRegistrar CreateRegistrar(string name, EtcdRegistryOptions options, ILoggerFactory? loggerFactory = null, TimeProvider? timeProvider = null)
    {
        Validate(name, options);
        return new EtcdServiceRegistrar(name, options, loggerFactory ?? NullLoggerFactory.Instance, timeProvider ?? TimeProvider.System);
    }

    private static void Validate(string name, EtcdRegistryOptions options)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(options);
        var errors = options.Validate($"Mesh:Registries:{name}");
        if (errors.Count > 0)
        {
            throw new OptionsValidationException(name, typeof(EtcdRegistryOptions), errors);
        }
    }
}
