using Microsoft.Extensions.Logging;

namespace Registry.Adapters.Eureka;

internal sealed partial class EurekaServiceRegistrar
{
    /// <summary>One live registration: heartbeats until disposed, then cancels the lease.</summary>
    private sealed class EurekaServiceRegistration(EurekaServiceRegistrar owner, ServiceInstance instance) : IServiceRegistration
    {
        private readonly SemaphoreSlim _gate = new(1, 1);
        private readonly CancellationTokenSource _stop = new();
        private string _app = string.Empty;
        private string _status = "UP";
        private bool _overridden;
        private long _lastDirty;
        private int _reregistrations;
        private Task _heartbeat = Task.CompletedTask;
        private int _disposed;
        private bool _registeredOnce;

        public ServiceInstance Instance { get; private set; } = instance;

        public int Reregistrations => Volatile.Read(ref _reregistrations);

        public async Task StartAsync(CancellationToken cancellationToken)
        {
            _app = Instance.Service.ToUpperInvariant();
            _status = Instance.Health == HealthStatus.Draining ? "UP" : StatusFor(Instance.Health);
            _lastDirty = owner._time.GetUtcNow().ToUnixTimeMilliseconds();
            try
            {
                await RegisterAsync(cancellationToken).ConfigureAwait(false);
                if (Instance.Health == HealthStatus.Draining)
                {
                    await SetHealthAsync(HealthStatus.Draining, cancellationToken).ConfigureAwait(false);
                }
            }
            catch (Exception ex) when (ex is OperationCanceledException || Volatile.Read(ref _registeredOnce))
            {
                // The POST reached (or may have reached) the server, but the caller gets no handle to deregister with:
                // cancel the lease now rather than leave the instance listed until it expires.
                await DisposeAsync().ConfigureAwait(false);
                throw;
            }

            _heartbeat = Task.Run(() => HeartbeatLoopAsync(_stop.Token), CancellationToken.None);
        }

        public async Task SetHealthAsync(HealthStatus health, CancellationToken cancellationToken = default)
        {
            ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
            await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                // DisposeAsync takes the gate before it deregisters: a call that waited behind it must not register again.
                ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
                if (health == HealthStatus.Draining)
                {
                    if (!await owner._client.SetStatusOverrideAsync(_app, Instance.Id, "OUT_OF_SERVICE", cancellationToken).ConfigureAwait(false))
                    {
                        await ReregisterLockedAsync(cancellationToken).ConfigureAwait(false);
                        await owner._client.SetStatusOverrideAsync(_app, Instance.Id, "OUT_OF_SERVICE", cancellationToken).ConfigureAwait(false);
                    }

                    _overridden = true;
                }
                else
                {
                    var status = StatusFor(health);
                    if (_overridden)
                    {
                        _status = status;
                        _overridden = false;
                        if (!await owner._client.DeleteStatusOverrideAsync(_app, Instance.Id, status, cancellationToken).ConfigureAwait(false))
                        {
                            await ReregisterLockedAsync(cancellationToken).ConfigureAwait(false);
                        }
                    }
                    else if (!string.Equals(status, _status, StringComparison.Ordinal))
                    {
                        // Eureka clients publish their own status by registering again with a newer dirty timestamp.
                        _status = status;
                        _lastDirty = owner._time.GetUtcNow().ToUnixTimeMilliseconds();
                        await RegisterAsync(cancellationToken).ConfigureAwait(false);
                    }
                }

                Instance = Instance with { Health = health };
                Log.HealthSet(owner._logger, _app, Instance.Id, health);
            }
            finally
            {
                _gate.Release();
            }
        }

        public async ValueTask DisposeAsync()
        {
            if (Interlocked.Exchange(ref _disposed, 1) != 0)
            {
                return;
            }

            await _stop.CancelAsync().ConfigureAwait(false);
            await _heartbeat.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);

            // Wait for a SetHealthAsync in flight (each of its requests is bounded by the request timeout): it may
            // register the instance again, which must happen before the DELETE, never after it.
            await _gate.WaitAsync(CancellationToken.None).ConfigureAwait(false);
            try
            {
                using var timeout = new CancellationTokenSource(owner._options.RequestTimeout);
                await owner._client.CancelAsync(_app, Instance.Id, timeout.Token).ConfigureAwait(false);
                Log.Deregistered(owner._logger, _app, Instance.Id);
            }
            catch (Exception ex) when (ex is RegistryException or OperationCanceledException or ObjectDisposedException)
            {
                Log.DeregisterFailed(owner._logger, _app, Instance.Id, ex.Message);
            }
            finally
            {
                // The gate is not disposed: a SetHealthAsync already waiting on it must wake up (and throw ObjectDisposedException).
                _gate.Release();
            }

            _stop.Dispose();
        }

        private async Task HeartbeatLoopAsync(CancellationToken token)
        {
            while (!token.IsCancellationRequested)
            {
                try
                {
                    await Task.Delay(owner._options.RenewalInterval, owner._time, token).ConfigureAwait(false);
                    await _gate.WaitAsync(token).ConfigureAwait(false);
                    try
                    {
                        if (!await owner._client.RenewAsync(_app, Instance.Id, _overridden ? "OUT_OF_SERVICE" : _status, _lastDirty, token).ConfigureAwait(false))
                        {
                            Log.LeaseLost(owner._logger, _app, Instance.Id);
                            await ReregisterLockedAsync(token).ConfigureAwait(false);
                            if (_overridden)
                            {
                                await owner._client.SetStatusOverrideAsync(_app, Instance.Id, "OUT_OF_SERVICE", token).ConfigureAwait(false);
                            }
                        }
                    }
                    finally
                    {
                        _gate.Release();
                    }
                }
                catch (OperationCanceledException) when (token.IsCancellationRequested)
                {
                    return;
                }
                catch (Exception ex) when (ex is RegistryException or ObjectDisposedException)
                {
                    Log.HeartbeatFailed(owner._logger, _app, Instance.Id, ex.Message);
                }
            }
        }

        private async Task ReregisterLockedAsync(CancellationToken cancellationToken)
        {
            await RegisterAsync(cancellationToken).ConfigureAwait(false);
            Interlocked.Increment(ref _reregistrations);
        }

        private async Task RegisterAsync(CancellationToken cancellationToken)
        {
            var body = BuildInstance(Instance, _status, _lastDirty, owner._options);
            await owner._client.RegisterAsync(_app, body, cancellationToken).ConfigureAwait(false);
            Volatile.Write(ref _registeredOnce, true);
            Log.Registered(owner._logger, _app, Instance.Id);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 5100, Level = LogLevel.Information, Message = "Eureka: registered {App}/{Id}")]
        public static partial void Registered(ILogger logger, string app, string id);

        [LoggerMessage(EventId = 5101, Level = LogLevel.Warning, Message = "Eureka: heartbeat of {App}/{Id} got 404 (lease lost); registering again")]
        public static partial void LeaseLost(ILogger logger, string app, string id);

        [LoggerMessage(EventId = 5102, Level = LogLevel.Warning, Message = "Eureka: heartbeat of {App}/{Id} failed: {Error}")]
        public static partial void HeartbeatFailed(ILogger logger, string app, string id, string error);

        [LoggerMessage(EventId = 5103, Level = LogLevel.Information, Message = "Eureka: deregistered {App}/{Id}")]
        public static partial void Deregistered(ILogger logger, string app, string id);

        [LoggerMessage(EventId = 5104, Level = LogLevel.Warning, Message = "Eureka: deregistering {App}/{Id} failed: {Error}")]
        public static partial void DeregisterFailed(ILogger logger, string app, string id, string error);

        [LoggerMessage(EventId = 5105, Level = LogLevel.Information, Message = "Eureka: {App}/{Id} health set to {Health}")]
        public static partial void HealthSet(ILogger logger, string app, string id, HealthStatus health);
    }
}
