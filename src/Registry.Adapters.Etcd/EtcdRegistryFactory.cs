using System.Diagnostics.Metrics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Registry.Adapters.Etcd;

/// <summary>Creates etcd registries and registrars without dependency injection.</summary>
public static class EtcdRegistryFactory
{
    private static readonly EtcdRegistryProvider Kind = new();

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
        Kind.ThrowIfInvalid(name, options, $"Mesh:Registries:{name}");
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
        Kind.ThrowIfInvalid(name, options, $"Mesh:Registries:{name}");
        return new EtcdServiceRegistrar(name, options, loggerFactory ?? NullLoggerFactory.Instance, timeProvider ?? TimeProvider.System);
    }
}
