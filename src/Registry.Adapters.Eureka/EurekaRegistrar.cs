using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Registry.Adapters.Eureka;

/// <summary>Creates Eureka registrars without dependency injection.</summary>
public static class EurekaRegistrar
{
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
        EurekaRegistryProvider.ThrowIfInvalid(options, "Eureka");
        return new EurekaServiceRegistrar(name, options, timeProvider, loggerFactory);
    }
}

/// <summary>
/// Registers one instance on host start and deregisters it on host stop. Start does not wait for Eureka: when the
/// server cannot be reached the registration is retried in the background with backoff, as Eureka clients do.
/// </summary>
internal sealed partial class EurekaSelfRegistration(IServiceRegistrar registrar, ServiceInstance instance, TimeProvider time, ILogger logger) : IHostedService, IDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private Task<IServiceRegistration?> _registering = Task.FromResult<IServiceRegistration?>(null);

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _registering = Task.Run(() => RegisterUntilDoneAsync(_stop.Token), CancellationToken.None);
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        var registration = await _registering.ConfigureAwait(false);
        if (registration is not null)
        {
            await registration.DisposeAsync().ConfigureAwait(false);
        }
    }

    public void Dispose() => _stop.Dispose();

    private async Task<IServiceRegistration?> RegisterUntilDoneAsync(CancellationToken token)
    {
        var backoff = new RetryBackoff(TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(1));
        while (!token.IsCancellationRequested)
        {
            try
            {
                // Not cancelled by stop: an attempt in flight may succeed on the server, and stop must then deregister it.
                // Each attempt is bounded by the request timeout.
                return await registrar.RegisterAsync(instance, CancellationToken.None).ConfigureAwait(false);
            }
            catch (RegistryException ex)
            {
                var delay = backoff.NextDelay();
                Log.RegistrationFailed(logger, instance.Service, instance.Id, delay, ex.Message);
                try
                {
                    await Task.Delay(delay, time, token).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return null;
                }
            }
        }

        return null;
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 5110, Level = LogLevel.Warning, Message = "Eureka: registering {Service}/{Id} failed, retrying in {RetryIn}: {Error}")]
        public static partial void RegistrationFailed(ILogger logger, string service, string id, TimeSpan retryIn, string error);
    }
}
