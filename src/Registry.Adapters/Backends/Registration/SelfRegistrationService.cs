using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Registry.Adapters.Backends;

/// <summary>
/// Registers the application's instance once the host has started and deregisters it when the host begins to stop
/// (before the web server stops taking requests). See <see cref="SelfRegistrationOptions"/> for what happens while
/// the registry cannot be reached.
/// </summary>
internal sealed partial class SelfRegistrationService(
    IServiceRegistrar registrar,
    ServiceInstance instance,
    SelfRegistrationOptions options,
    TimeProvider time,
    ILogger logger) : IHostedLifecycleService, IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly Lock _lock = new();
    private Task<IServiceRegistration?>? _registering;
    private bool _stopped;

    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public async Task StartedAsync(CancellationToken cancellationToken)
    {
        if (options.FailFast)
        {
            IServiceRegistration registration;
            try
            {
                registration = await registrar.RegisterAsync(instance, cancellationToken).ConfigureAwait(false);
            }
            catch (RegistryException ex)
            {
                Log.FailedFast(logger, registrar.Name, instance.Service, instance.Id, ex.Message);
                throw;
            }

            if (!Publish(Task.FromResult<IServiceRegistration?>(registration)))
            {
                await registration.DisposeAsync().ConfigureAwait(false);
            }

            return;
        }

        Publish(Task.Run(() => RegisterInBackgroundAsync(_stop.Token), CancellationToken.None));
    }

    public Task StoppingAsync(CancellationToken cancellationToken) => DeregisterAsync();

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public async ValueTask DisposeAsync()
    {
        await DeregisterAsync().ConfigureAwait(false);
        _stop.Dispose();
    }

    private bool Publish(Task<IServiceRegistration?> registering)
    {
        lock (_lock)
        {
            if (_stopped)
            {
                return false;
            }

            _registering = registering;
            return true;
        }
    }

    private async Task DeregisterAsync()
    {
        Task<IServiceRegistration?>? registering;
        lock (_lock)
        {
            if (_stopped)
            {
                return;
            }

            _stopped = true;
            registering = _registering;
        }

        await _stop.CancelAsync().ConfigureAwait(false);
        if (registering is not null && await registering.ConfigureAwait(false) is { } registration)
        {
            await registration.DisposeAsync().ConfigureAwait(false);
        }
    }

    private async Task<IServiceRegistration?> RegisterInBackgroundAsync(CancellationToken token)
    {
        var backoff = options.Retry.CreateBackoff();
        while (true)
        {
            try
            {
                // Stop cancels an attempt in flight; a registration cancelled after its first write deregisters itself.
                var registration = await registrar.RegisterAsync(instance, token).ConfigureAwait(false);
                if (backoff.Failures > 0)
                {
                    Log.RegisteredAfterRetries(logger, registrar.Name, instance.Service, instance.Id, backoff.Failures + 1);
                }

                return registration;
            }
            catch (OperationCanceledException) when (token.IsCancellationRequested)
            {
                return null;
            }
            catch (Exception ex) when (ex is not ArgumentException)
            {
                var delay = backoff.NextDelay();
                if (backoff.Failures == 1)
                {
                    Log.Unavailable(logger, registrar.Name, instance.Service, instance.Id, delay, ex.Message);
                }
                else
                {
                    Log.StillUnavailable(logger, registrar.Name, instance.Service, instance.Id, backoff.Failures, delay, ex.Message);
                }

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
    }

    private static partial class Log
    {
        [LoggerMessage(1610, LogLevel.Warning, "Self-registration of {Service}/{Id} through '{Registrar}' failed; the host runs on and registration is retried in the background (next in {RetryIn}): {Error}")]
        public static partial void Unavailable(ILogger logger, string registrar, string service, string id, TimeSpan retryIn, string error);

        [LoggerMessage(1611, LogLevel.Debug, "Self-registration of {Service}/{Id} through '{Registrar}' failed {Failures} times; next attempt in {RetryIn}: {Error}")]
        public static partial void StillUnavailable(ILogger logger, string registrar, string service, string id, int failures, TimeSpan retryIn, string error);

        [LoggerMessage(1612, LogLevel.Information, "Self-registration of {Service}/{Id} through '{Registrar}' succeeded at attempt {Attempt}")]
        public static partial void RegisteredAfterRetries(ILogger logger, string registrar, string service, string id, int attempt);

        [LoggerMessage(1613, LogLevel.Error, "Self-registration of {Service}/{Id} through '{Registrar}' failed and FailFast is set; the host does not start: {Error}")]
        public static partial void FailedFast(ILogger logger, string registrar, string service, string id, string error);
    }
}
