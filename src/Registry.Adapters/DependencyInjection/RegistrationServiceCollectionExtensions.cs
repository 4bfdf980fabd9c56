using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Registry.Adapters;
using Registry.Adapters.Backends;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>
/// Registration: registrars keyed by name (for backend packages' <c>AddConsulRegistrar</c>, <c>AddEtcdRegistrar</c>,
/// <c>AddEurekaRegistrar</c>), and self-registration, where the application registers its own instance while the host runs.
/// </summary>
public static class RegistrationServiceCollectionExtensions
{
    /// <summary>
    /// Adds an <see cref="IServiceRegistrar"/> keyed by <paramref name="name"/>, and as the unkeyed registrar when none is
    /// registered yet. On first use the container creates fresh options, applies <paramref name="configure"/>, and calls
    /// <paramref name="create"/>; it disposes the registrar with the container.
    /// </summary>
    /// <typeparam name="TOptions">The backend's options.</typeparam>
    /// <param name="services">The services.</param>
    /// <param name="name">The registrar's name and key.</param>
    /// <param name="configure">Sets the options.</param>
    /// <param name="create">Creates the registrar from the services and the options.</param>
    /// <returns>The services.</returns>
    public static IServiceCollection AddServiceRegistrar<TOptions>(this IServiceCollection services, string name, Action<TOptions>? configure, Func<IServiceProvider, TOptions, IServiceRegistrar> create)
        where TOptions : class, new()
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(create);
        services.AddKeyedSingleton(name, (provider, _) =>
        {
            var options = new TOptions();
            configure?.Invoke(options);
            return create(provider, options);
        });
        services.TryAddSingleton(provider => provider.GetRequiredKeyedService<IServiceRegistrar>(name));
        return services;
    }

    /// <summary>
    /// Registers <paramref name="instance"/> through the <see cref="IServiceRegistrar"/> keyed <paramref name="registrar"/>
    /// once the host has started, keeps it alive, and deregisters it when the host begins to stop (the Steeltoe / Spring
    /// Cloud self-registration pattern). By default the host starts even when the registry cannot be reached and the
    /// registration is retried in the background; <see cref="SelfRegistrationOptions.FailFast"/> fails host start instead.
    /// </summary>
    /// <param name="services">The services.</param>
    /// <param name="instance">The instance this application serves.</param>
    /// <param name="registrar">The registrar's key (<c>AddConsulRegistrar</c>, <c>AddEtcdRegistrar</c>, <c>AddEurekaRegistrar</c>).</param>
    /// <param name="configure">Sets the options. <value>The default value is none: background retry, 1 second to 30 seconds.</value></param>
    /// <returns>The services.</returns>
    /// <exception cref="ArgumentException"><paramref name="instance"/> is not valid (<see cref="ServiceInstanceValidator.Validate"/>).</exception>
    public static IServiceCollection AddSelfRegistration(this IServiceCollection services, ServiceInstance instance, string registrar, Action<SelfRegistrationOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(instance);
        ArgumentException.ThrowIfNullOrWhiteSpace(registrar);

        // Fail here, not in the background: an invalid instance would never register.
        if (ServiceInstanceValidator.Validate(instance) is { } error)
        {
            throw new ArgumentException($"The instance cannot be registered: {error}", nameof(instance));
        }

        var options = new SelfRegistrationOptions();
        configure?.Invoke(options);
        options.Validate();
        services.AddSingleton<IHostedService>(sp => new SelfRegistrationService(
            sp.GetRequiredKeyedService<IServiceRegistrar>(registrar),
            instance,
            options,
            sp.GetService<TimeProvider>() ?? TimeProvider.System,
            (sp.GetService<ILoggerFactory>() ?? NullLoggerFactory.Instance).CreateLogger("Registry.Adapters.SelfRegistration")));
        return services;
    }
}
