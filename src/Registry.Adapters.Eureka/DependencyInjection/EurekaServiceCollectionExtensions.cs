using Microsoft.Extensions.Logging;
using Registry.Adapters;
using Registry.Adapters.Eureka;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Adds Eureka registries (discovery) and registrars (registration).</summary>
public static class EurekaServiceCollectionExtensions
{
    /// <summary>Adds a Eureka registry to the mesh, configured in code.</summary>
    /// <param name="builder">The mesh builder.</param>
    /// <param name="name">The registry name. <value>The default value is <c>eureka</c>.</value></param>
    /// <param name="configure">Sets the options (at least <see cref="EurekaRegistryOptions.ServiceUrls"/>).</param>
    /// <returns>The builder.</returns>
    public static IMeshRegistryBuilder AddEureka(this IMeshRegistryBuilder builder, string name = EurekaRegistryProvider.KindName, Action<EurekaRegistryOptions>? configure = null) =>
        new EurekaRegistryProvider().AddTo(builder, name, configure);

    /// <summary>Makes the <c>eureka</c> kind available to configuration (<c>Mesh:Registries:N:Kind</c>) and the console.</summary>
    /// <param name="builder">The mesh builder.</param>
    /// <returns>The builder.</returns>
    public static IMeshRegistryBuilder AddEurekaProvider(this IMeshRegistryBuilder builder) =>
        builder.AddProvider(new EurekaRegistryProvider());

    /// <summary>
    /// Adds an <see cref="IServiceRegistrar"/> for Eureka, keyed by <paramref name="name"/> (and as the unkeyed registrar
    /// when none is registered yet).
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <param name="name">The registrar name. <value>The default value is <c>eureka</c>.</value></param>
    /// <param name="configure">Sets the options (service URLs, renewal interval, lease duration).</param>
    /// <returns>The service collection.</returns>
    public static IServiceCollection AddEurekaRegistrar(this IServiceCollection services, string name = EurekaRegistryProvider.KindName, Action<EurekaRegistryOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        return services.AddServiceRegistrar(name, configure, (sp, options) => EurekaRegistrar.Create(name, options, sp.GetService<TimeProvider>(), sp.GetService<ILoggerFactory>()));
    }

    /// <summary>
    /// Registers <paramref name="instance"/> in Eureka once the host has started and deregisters it when the host stops, as a
    /// Spring Cloud or Steeltoe application does; <see cref="RegistrationServiceCollectionExtensions.AddSelfRegistration"/>
    /// describes what happens while Eureka cannot be reached. Needs <see cref="AddEurekaRegistrar"/> with the same name.
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <param name="instance">The instance to register.</param>
    /// <param name="name">The registrar name. <value>The default value is <c>eureka</c>.</value></param>
    /// <param name="configure">Sets the self-registration options (<see cref="SelfRegistrationOptions.FailFast"/>, retry delays).</param>
    /// <returns>The service collection.</returns>
    /// <exception cref="ArgumentException"><paramref name="instance"/> is not valid (<see cref="ServiceInstanceValidator.Validate"/>).</exception>
    public static IServiceCollection AddEurekaSelfRegistration(this IServiceCollection services, ServiceInstance instance, string name = EurekaRegistryProvider.KindName, Action<SelfRegistrationOptions>? configure = null) =>
        services.AddSelfRegistration(instance, name, configure);
}
