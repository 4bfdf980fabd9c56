using System.Net;
using Microsoft.Extensions.Logging;
using Registry.Adapters.Consul.Client;

namespace Registry.Adapters.Consul;

/// <summary>
/// One live registration: reports the TTL check every third of the TTL (or, with an HTTP check, checks the agent
/// still has the service), re-registers when the agent lost it, and deregisters on dispose.
/// </summary>
internal sealed partial class ConsulServiceRegistration : IServiceRegistration
{
    private readonly ConsulServiceRegistrar _registrar;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly CancellationTokenSource _stop = new();
    private Task _keepAlive = Task.CompletedTask;
    private RegistrationBody _body;
    private HealthStatus _health;
    private int _reregistrations;
    private int _disposed;

    public ConsulServiceRegistration(ConsulServiceRegistrar registrar, ServiceInstance instance)
    {
        _registrar = registrar;
        Instance = instance;
        _health = instance.Health;
        _body = registrar.BuildRegistration(instance, _health);
    }

    /// <inheritdoc />
    public ServiceInstance Instance { get; }

    /// <inheritdoc />
    public int Reregistrations => Volatile.Read(ref _reregistrations);

    private ConsulClient Client => _registrar.Client;

    private bool IsTtl => _registrar.Options.CheckMode == ConsulCheckMode.Ttl;

    internal static string CheckStatus(HealthStatus health) => health switch
    {
        HealthStatus.Healthy or HealthStatus.Draining => "passing",
        HealthStatus.Unknown => "warning",
        _ => "critical",
    };

    internal async Task StartAsync(CancellationToken cancellationToken)
    {
        await RegisterCoreAsync(cancellationToken).ConfigureAwait(false);
        Log.Registered(_registrar.Logger, _registrar.Name, Instance.Service, Instance.Id);
        // The timer starts now, not when the loop first runs, so that the first beat is due a third of the TTL after registering.
        var timer = new PeriodicTimer(_registrar.Options.Ttl / 3, _registrar.Time);
        _keepAlive = Task.Run(() => KeepAliveAsync(timer, _stop.Token), CancellationToken.None);
    }

    /// <inheritdoc />
    public async Task SetHealthAsync(HealthStatus health, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        if (!IsTtl && health is not (HealthStatus.Healthy or HealthStatus.Draining))
        {
            throw new InvalidOperationException("With an HTTP check Consul owns the instance's health; only Healthy and Draining (maintenance) can be set. Use ConsulCheckMode.Ttl to report health.");
        }

        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var previous = _health;
            _health = health;
            if (health == HealthStatus.Draining)
            {
                if (previous != HealthStatus.Draining)
                {
                    await Client.SetMaintenanceAsync(Instance.Id, enable: true, "draining", cancellationToken).ConfigureAwait(false);
                }

                return;
            }

            if (previous == HealthStatus.Draining)
            {
                await Client.SetMaintenanceAsync(Instance.Id, enable: false, string.Empty, cancellationToken).ConfigureAwait(false);
            }

            if (IsTtl)
            {
                await BeatAsync(cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await _stop.CancelAsync().ConfigureAwait(false);
        try
        {
            await _keepAlive.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }

        try
        {
            await Client.DeregisterAsync(Instance.Id, CancellationToken.None).ConfigureAwait(false);
            Log.Deregistered(_registrar.Logger, _registrar.Name, Instance.Service, Instance.Id);
        }
        catch (RegistryException ex)
        {
            Log.DeregisterFailed(_registrar.Logger, _registrar.Name, Instance.Id, ex.Message);
        }

        _stop.Dispose();
    }

    private async Task KeepAliveAsync(PeriodicTimer timer, CancellationToken cancellationToken)
    {
        using var owned = timer;
        while (await WaitTickAsync(timer, cancellationToken).ConfigureAwait(false))
        {
            try
            {
                await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            try
            {
                await BeatAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (RegistryException ex)
            {
                Log.KeepAliveFailed(_registrar.Logger, _registrar.Name, Instance.Id, ex.Message);
            }
            finally
            {
                _gate.Release();
            }
        }
    }

    private static async Task<bool> WaitTickAsync(PeriodicTimer timer, CancellationToken cancellationToken)
    {
        try
        {
            return await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    /// <summary>One keep-alive: the TTL update (or, with an HTTP check, a look-up); re-registers when the agent lost the service.</summary>
    private async Task BeatAsync(CancellationToken cancellationToken)
    {
        try
        {
            if (IsTtl)
            {
                await Client.UpdateCheckAsync(_body.CheckId, CheckStatus(_health), Output(_health), cancellationToken).ConfigureAwait(false);
            }
            else
            {
                await Client.GetAgentServiceAsync(Instance.Id, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (ConsulHttpException ex) when (IsLost(ex))
        {
            _body = _registrar.BuildRegistration(Instance, _health);
            await RegisterCoreAsync(cancellationToken).ConfigureAwait(false);
            Interlocked.Increment(ref _reregistrations);
            Log.Reregistered(_registrar.Logger, _registrar.Name, Instance.Service, Instance.Id, (int)ex.StatusCode);
        }
    }

    private async Task RegisterCoreAsync(CancellationToken cancellationToken)
    {
        await Client.RegisterAsync(_body.Request, cancellationToken).ConfigureAwait(false);
        if (_health == HealthStatus.Draining)
        {
            await Client.SetMaintenanceAsync(Instance.Id, enable: true, "draining", cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>The agent lost the service or its check: 404 (Consul 1.x "Unknown check ID"/"Unknown service ID") or the older 500 "does not have associated TTL".</summary>
    private static bool IsLost(ConsulHttpException ex) =>
        ex.StatusCode == HttpStatusCode.NotFound
        || (ex.StatusCode == HttpStatusCode.InternalServerError
            && (ex.Body.Contains("does not have associated TTL", StringComparison.OrdinalIgnoreCase) || ex.Body.Contains("Unknown check", StringComparison.OrdinalIgnoreCase)));

    private static string Output(HealthStatus health) => health switch
    {
        HealthStatus.Healthy => "healthy (reported by the application)",
        HealthStatus.Draining => "draining (reported by the application)",
        HealthStatus.Starting => "starting (reported by the application)",
        HealthStatus.Unhealthy => "unhealthy (reported by the application)",
        _ => "health unknown (reported by the application)",
    };

    private static partial class Log
    {
        [LoggerMessage(EventId = 4010, Level = LogLevel.Information, Message = "Consul registrar '{Registrar}': registered {Service}/{Id}")]
        public static partial void Registered(ILogger logger, string registrar, string service, string id);

        [LoggerMessage(EventId = 4011, Level = LogLevel.Warning, Message = "Consul registrar '{Registrar}': the agent lost {Service}/{Id} ({Status}); registered it again")]
        public static partial void Reregistered(ILogger logger, string registrar, string service, string id, int status);

        [LoggerMessage(EventId = 4012, Level = LogLevel.Information, Message = "Consul registrar '{Registrar}': deregistered {Service}/{Id}")]
        public static partial void Deregistered(ILogger logger, string registrar, string service, string id);

        [LoggerMessage(EventId = 4013, Level = LogLevel.Warning, Message = "Consul registrar '{Registrar}': keep-alive of {Id} failed: {Error}")]
        public static partial void KeepAliveFailed(ILogger logger, string registrar, string id, string error);

        [LoggerMessage(EventId = 4014, Level = LogLevel.Warning, Message = "Consul registrar '{Registrar}': deregistering {Id} failed: {Error}")]
        public static partial void DeregisterFailed(ILogger logger, string registrar, string id, string error);
    }
}
