using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Registry.Adapters.Backends;

namespace Registry.Adapters.Consul;

/// <summary>
/// The <c>consul</c> registry kind: binds <see cref="ConsulRegistryOptions"/> from a <c>Mesh:Registries:N</c>
/// element and adds <c>--consul URL</c> to <c>mesh-sync</c>.
/// </summary>
public sealed class ConsulRegistryProvider : RegistryKind<ConsulRegistryOptions>
{
    /// <summary>The kind name, <c>consul</c>.</summary>
    public const string KindName = "consul";

    /// <inheritdoc />
    public override string Kind => KindName;

    /// <inheritdoc />
    public override IReadOnlyList<RegistryShortcut> Shortcuts { get; } =
    [
        new RegistryShortcut(
            "--consul",
            "Adds a Consul registry at URL (http[s]://host:port, or host:port); the token and TLS settings come from CONSUL_HTTP_TOKEN, CONSUL_HTTP_TOKEN_FILE, CONSUL_CACERT.",
            TakesValue: true,
            ToConfiguration)
        {
            ValueName = "URL",
        },
    ];

    /// <inheritdoc />
    protected override IReadOnlyList<string> Validate(ConsulRegistryOptions options, string settingPath)
    {
        try
        {
            ConsulSettings.Create(options, settingPath);
            return [];
        }
        catch (OptionsValidationException ex)
        {
            return [.. ex.Failures];
        }
    }

    /// <inheritdoc />
    protected override IServiceRegistry CreateRegistry(string name, ConsulRegistryOptions options, string settingPath, IServiceProvider services) =>
        new ConsulServiceRegistry(name, ConsulSettings.Create(options, settingPath), LoggingOf(services), TimeOf(services), MetersOf(services));

    /// <summary>Creates a registrar (registration through the local agent) from options, for code that does not use DI.</summary>
    /// <param name="name">The registrar's name.</param>
    /// <param name="options">The options (address, token, <see cref="ConsulRegistryOptions.Registration"/>).</param>
    /// <param name="loggerFactory">Logging. <value>The default value is no logging.</value></param>
    /// <param name="timeProvider">The clock. <value>The default value is <see cref="TimeProvider.System"/>.</value></param>
    /// <returns>The registrar; dispose it when done.</returns>
    /// <exception cref="Microsoft.Extensions.Options.OptionsValidationException">The options are invalid.</exception>
    public static IServiceRegistrar CreateRegistrar(string name, ConsulRegistryOptions options, ILoggerFactory? loggerFactory = null, TimeProvider? timeProvider = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(options);
        return new ConsulServiceRegistrar(name, ConsulSettings.Create(options, "Consul"), loggerFactory ?? NullLoggerFactory.Instance, timeProvider ?? TimeProvider.System);
    }

    private static Dictionary<string, string?> ToConfiguration(string? value)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            throw new ArgumentException("--consul needs the agent's address, e.g. --consul http://127.0.0.1:8500 (use \"$CONSUL_HTTP_ADDR\" to take it from the environment).");
        }

        var text = value.Trim();
        var candidate = text.Contains("://", StringComparison.Ordinal) ? text : "http://" + text;
        if (!Uri.TryCreate(candidate, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https") || string.IsNullOrEmpty(uri.Host))
        {
            throw new ArgumentException($"--consul '{ConsulSettings.Redact(text)}' is not an http:// or https:// address, e.g. http://127.0.0.1:8500.");
        }

        return new Dictionary<string, string?>(StringComparer.Ordinal) { ["Address"] = text };
    }
}
