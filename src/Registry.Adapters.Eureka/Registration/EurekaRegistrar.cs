using Microsoft.Extensions.Logging;

namespace Registry.Adapters.Eureka;

/// <summary>Creates Eureka registrars without dependency injection.</summary>
public static class EurekaRegistrar
{
    private static readonly EurekaRegistryProvider Kind = new();

    /// <summary>Creates a registrar: <c>RegisterAsync</c> posts the instance, heartbeats every <see cref="EurekaRegistryOptions.RenewalInterval"/>, and deregisters when the returned handle is disposed.</summary>
    /// <param name="name">The registrar name.</param>
    /// <param name="options">The options (service URLs, renewal interval, lease duration).</param>
    /// <param name="timeProvider">The clock. <value>The default value is <see cref="TimeProvider.System"/>.</value></param>
    /// <param name="loggerFactory">The logger factory. <value>The default value is none (no logging).</value></param>
    /// <returns>The registrar; dispose it (it is <see cref="IAsyncDisposable"/>) to release its HTTP connections.</returns>
    /// <exception cref="Microsoft.Extensions.Options.OptionsValidationException">The options are invalid.</exception>
    public static IServiceRegistrar Create(string name, EurekaRegistryOptions options, TimeProvider? timeProvider = null, ILoggerFactory? loggerFactory = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        Kind.ThrowIfInvalid(name, options, "Eureka");
        return new EurekaServiceRegistrar(name, options, timeProvider, loggerFactory);
    }
}
