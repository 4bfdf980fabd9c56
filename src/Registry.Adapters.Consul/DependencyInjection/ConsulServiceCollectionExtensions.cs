using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Registry.Adapters;
using Registry.Adapters.Consul;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registration with Consul: a registrar, and an optional hosted service that registers the application itself.</summary>
public static class ConsulServiceCollectionExtensions
{
    /// <summary>
    /// Adds an <see cref="IServiceRegistrar"/> for the Consul agent, keyed by <paramref name="name"/> (and as the
    /// unkeyed registrar when none is registered yet).
    /// </summary>
    /// <param name="services">The services.</param>
    /// <param name="name">The registrar's name and service key. <value>The default value is <c>consul</c>.</value></param>
    /// <param name="configure">Sets the options; unset values come from the Consul CLI's environment, then the defaults.</param>
    /// <returns>The services.</returns>
    public static IServiceCollection AddConsulRegistrar(this IServiceCollection services, string name = ConsulRegistryProvider.KindName, Action<ConsulRegistryOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        return services.AddServiceRegistrar(name, configure, (provider, options) => ConsulRegistryProvider.CreateRegistrar(
            name,
            options,
            provider.GetService<ILoggerFactory>() ?? NullLoggerFactory.Instance,
            provider.GetService<TimeProvider>() ?? TimeProvider.System));
    }

    /// <summary>
    /// Registers <paramref name="instance"/> with Consul once the host has started and deregisters it when the host stops,
    /// through the registrar added by <see cref="AddConsulRegistrar"/> under <paramref name="registrarName"/>;
    /// <see cref="RegistrationServiceCollectionExtensions.AddSelfRegistration"/> describes what happens while the
    /// agent cannot be reached.
    /// </summary>
    /// <param name="services">The services.</param>
    /// <param name="instance">The application's own instance.</param>
    /// <param name="registrarName">The registrar's key. <value>The default value is <c>consul</c>.</value></param>
    /// <param name="configure">Sets the self-registration options (<see cref="SelfRegistrationOptions.FailFast"/>, retry delays).</param>
    /// <returns>The services.</returns>
    /// <exception cref="ArgumentException"><paramref name="instance"/> is not valid (<see cref="ServiceInstanceValidator.Validate"/>).</exception>
    public static IServiceCollection AddConsulSelfRegistration(this IServiceCollection services, ServiceInstance instance, string registrarName = ConsulRegistryProvider.KindName, Action<SelfRegistrationOptions>? configure = null) =>
        services.AddSelfRegistration(instance, registrarName, configure);
}
