using System.Diagnostics.Metrics;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Registry.Adapters.Backends;

namespace Registry.Adapters.Etcd;

/// <summary>The <c>etcd</c> registry kind: configuration binding (<c>Mesh:Registries:N:Kind = etcd</c>) and <c>AddEtcd</c>.</summary>
public sealed class EtcdRegistryProvider : RegistryKind<EtcdRegistryOptions>
{
    /// <summary>The kind name.</summary>
    public const string KindName = "etcd";

    /// <inheritdoc />
    public override string Kind => KindName;

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
