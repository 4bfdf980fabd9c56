using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Registry.Adapters.Backends;

namespace Registry.Adapters.Consul;

/// <summary>
/// The <c>consul</c> registry kind: binds <see cref="ConsulRegistryOptions"/> from a <c>Mesh:Registries:N</c>
/// element or from <c>AddConsul</c>.
/// </summary>
public sealed class ConsulRegistryProvider() : RegistryKind<ConsulRegistryOptions>(KindName)
{
    /// <summary>The kind name, <c>consul</c>.</summary>
    public const string KindName = "consul";

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
}
