using Microsoft.Extensions.Logging;
using Registry.Adapters;
using Registry.Adapters.Etcd;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Adds etcd registries, the <c>etcd</c> kind, and etcd registration.</summary>
public static class EtcdServiceCollectionExtensions
{
    /// <summary>Adds an etcd registry to the mesh.</summary>
    /// <param name="builder">The mesh builder.</param>
    /// <param name="name">The registry name. <value>The default value is <c>etcd</c>.</value></param>
    /// <param name="configure">Sets the options (endpoints, prefix, format, credentials, TLS).</param>
    /// <returns>The builder.</returns>
    public static IMeshRegistryBuilder AddEtcd(this IMeshRegistryBuilder builder, string name = EtcdRegistryProvider.KindName, Action<EtcdRegistryOptions>? configure = null) =>
        new EtcdRegistryProvider().AddTo(builder, name, configure);

    /// <summary>Makes the <c>etcd</c> kind available to configuration (<c>Mesh:Registries:N:Kind</c>) and the console.</summary>
    /// <param name="builder">The mesh builder.</param>
    /// <returns>The builder.</returns>
    public static IMeshRegistryBuilder AddEtcdProvider(this IMeshRegistryBuilder builder) =>
        builder.AddProvider(new EtcdRegistryProvider());

    /// <summary>
    /// Adds an etcd <see cref="IServiceRegistrar"/>, keyed by <paramref name="name"/> (and as the unkeyed registrar when it is the first).
    /// </summary>
    /// <param name="services">The services.</param>
    /// <param name="name">The registrar name. <value>The default value is <c>etcd</c>.</value></param>
    /// <param name="configure">Sets the options.</param>
    /// <returns>The services.</returns>
    public static IServiceCollection AddEtcdRegistrar(this IServiceCollection services, string name = EtcdRegistryProvider.KindName, Action<EtcdRegistryOptions>? configure = null) =>
        services.AddServiceRegistrar(name, configure, (sp, options) => EtcdRegistryFactory.CreateRegistrar(name, options, sp.GetService<ILoggerFactory>(), sp.GetService<TimeProvider>()));

    /// <summary>
    /// Registers <paramref name="instance"/> through the etcd registrar <paramref name="registrar"/> once the host has started,
    /// and deregisters it when the host stops; <see cref="RegistrationServiceCollectionExtensions.AddSelfRegistration"/>
    /// describes what happens while etcd cannot be reached.
    /// </summary>
    /// <param name="services">The services.</param>
    /// <param name="instance">The instance this application serves.</param>
    /// <param name="registrar">The registrar name given to <see cref="AddEtcdRegistrar"/>. <value>The default value is <c>etcd</c>.</value></param>
    /// <param name="configure">Sets the self-registration options (<see cref="SelfRegistrationOptions.FailFast"/>, retry delays).</param>
    /// <returns>The services.</returns>
    /// <exception cref="ArgumentException"><paramref name="instance"/> is not valid (<see cref="ServiceInstanceValidator.Validate"/>).</exception>
    public static IServiceCollection AddEtcdSelfRegistration(this IServiceCollection services, ServiceInstance instance, string registrar = EtcdRegistryProvider.KindName, Action<SelfRegistrationOptions>? configure = null) =>
        services.AddSelfRegistration(instance, registrar, configure);
}
