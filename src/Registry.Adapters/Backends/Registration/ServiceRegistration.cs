using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Registry.Adapters.Backends;

/// <summary>
/// The base of every backend's <see cref="IServiceRegistration"/>: it owns the life of a registration, and the backend
/// fills in only its wire calls (<see cref="RegisterAsync"/>, <see cref="KeepAliveAsync"/>, <see cref="DeregisterAsync"/>
/// and, where the backend has it, <see cref="UpdateHealthAsync"/>).
/// </summary>
/// <remarks>
/// <list type="bullet">
/// <item><description><b>Gate.</b> Every call into the backend (start, keep-alive, health, deregistration) runs under one
/// gate, one at a time, so a keep-alive never races a health update or the final deregistration.</description></item>
/// <item><description><b>Start.</b> <see cref="StartAsync"/> writes the registration once, then starts the keep-alive loop.
/// When it fails after its first write (or while a write was in flight, or on cancellation) the registration is
/// deregistered before the error reaches the caller, who has no handle to do it with.</description></item>
/// <item><description><b>Keep-alive.</b> Every <see cref="KeepAliveInterval"/> on the <see cref="TimeProvider"/>,
/// <see cref="KeepAliveAsync"/> runs once; when it reports the registry lost the record, <see cref="RegisterAsync"/> runs
/// again and <see cref="Reregistrations"/> counts it. A failing keep-alive is retried on the next tick; it is logged once
/// when it starts failing and once when it recovers.</description></item>
/// <item><description><b>Dispose.</b> <see cref="DisposeAsync"/> stops the loop, waits for a call in flight, deregisters
/// (bounded by <see cref="RequestTimeout"/> on the <see cref="TimeProvider"/>; a failure is logged, not thrown), and then
/// releases the backend's resources (<see cref="DisposeCoreAsync"/>). Later calls throw <see cref="ObjectDisposedException"/>.</description></item>
/// </list>
/// A registrar creates the registration and awaits <see cref="StartAsync"/> before handing it out
/// (<see cref="ServiceRegistrar"/> does this).
/// </remarks>
public abstract partial class ServiceRegistration : IServiceRegistration
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly CancellationTokenSource _stop = new();
    private ServiceInstance _instance;
    private Task _keepAlive = Task.CompletedTask;
    private int _reregistrations;
    private int _started;
    private int _disposed;
    private bool _written;
    private bool _failing;

    /// <summary>Creates a registration of <paramref name="instance"/>; nothing is written before <see cref="StartAsync"/>.</summary>
    /// <param name="registrar">The registrar's name, for logs.</param>
    /// <param name="instance">The instance to register.</param>
    /// <param name="keepAliveInterval">How often <see cref="KeepAliveAsync"/> runs (a third of a TTL, a heartbeat interval).</param>
    /// <param name="requestTimeout">How long the deregistration on dispose may take.</param>
    /// <param name="timeProvider">The clock of the keep-alive loop and the timeouts. <value>The default value is <see cref="TimeProvider.System"/>.</value></param>
    /// <param name="logger">The logger. <value>The default value is no logging.</value></param>
    protected ServiceRegistration(string registrar, ServiceInstance instance, TimeSpan keepAliveInterval, TimeSpan requestTimeout, TimeProvider? timeProvider = null, ILogger? logger = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(registrar);
        ArgumentNullException.ThrowIfNull(instance);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(keepAliveInterval, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(requestTimeout, TimeSpan.Zero);
        Registrar = registrar;
        _instance = instance;
        KeepAliveInterval = keepAliveInterval;
        RequestTimeout = requestTimeout;
        TimeProvider = timeProvider ?? TimeProvider.System;
        Logger = logger ?? NullLogger.Instance;
    }

    /// <inheritdoc />
    public ServiceInstance Instance => Volatile.Read(ref _instance);

    /// <inheritdoc />
    public int Reregistrations => Volatile.Read(ref _reregistrations);

    /// <summary>The registrar's name.</summary>
    protected string Registrar { get; }

    /// <summary>How often the keep-alive runs.</summary>
    protected TimeSpan KeepAliveInterval { get; }

    /// <summary>How long the deregistration on dispose may take.</summary>
    protected TimeSpan RequestTimeout { get; }

    /// <summary>The clock of the keep-alive loop and the timeouts.</summary>
    protected TimeProvider TimeProvider { get; }

    /// <summary>The logger.</summary>
    protected ILogger Logger { get; }

    /// <summary>Whether the registration has been disposed (or its start failed).</summary>
    protected bool IsDisposed => Volatile.Read(ref _disposed) != 0;

    /// <summary>
    /// Writes the registration and starts keeping it alive. Called once, by the registrar, before it hands the
    /// registration out; when it throws, the registration is already disposed (and deregistered if anything was written).
    /// </summary>
    /// <param name="cancellationToken">Cancels the first registration (not the keep-alive).</param>
    /// <returns>A task that completes when the registry holds the instance.</returns>
    /// <exception cref="InvalidOperationException">The registration was started before.</exception>
    /// <exception cref="RegistryException">The registry refused the registration or could not be reached.</exception>
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(IsDisposed, this);
        if (Interlocked.Exchange(ref _started, 1) != 0)
        {
            throw new InvalidOperationException("The registration was started already.");
        }

        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        var activity = StartSpan(RegistryTracing.Register, Instance);
        try
        {
            await RegisterAsync(Instance, cancellationToken).ConfigureAwait(false);
            _written = true;
            activity?.Dispose();
        }
        catch (Exception ex)
        {
            RegistryTracing.Fail(activity, ex);
            activity?.Dispose();
            // A request cancelled or timed out in flight may have reached the registry: deregister to be sure.
            _written |= ex is OperationCanceledException || ex.InnerException is OperationCanceledException or TimeoutException;
            _gate.Release();
            await DisposeAsync().ConfigureAwait(false);
            var translated = ex is OperationCanceledException && cancellationToken.IsCancellationRequested ? ex : TranslateError(ex, "registering the instance");
            if (ReferenceEquals(translated, ex))
            {
                throw;
            }

            throw translated;
        }

        _gate.Release();
        Log.Registered(Logger, Registrar, Instance.Service, Instance.Id);

        // The timer starts now, so that the first keep-alive is due one interval after the registration was written.
        var timer = new PeriodicTimer(KeepAliveInterval, TimeProvider);
        _keepAlive = Task.Run(() => KeepAliveLoopAsync(timer, _stop.Token), CancellationToken.None);
    }

    /// <inheritdoc />
    public async Task SetHealthAsync(HealthStatus health, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(IsDisposed, this);
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            // DisposeAsync takes the gate before it deregisters: a call that waited behind it must not write again.
            ObjectDisposedException.ThrowIf(IsDisposed, this);
            try
            {
                await UpdateHealthAsync(health, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not (OperationCanceledException or InvalidOperationException or ArgumentException))
            {
                var translated = TranslateError(ex, "updating the instance's health");
                if (ReferenceEquals(translated, ex))
                {
                    throw;
                }

                throw translated;
            }

            Volatile.Write(ref _instance, _instance with { Health = health });
            Log.HealthSet(Logger, Registrar, Instance.Service, Instance.Id, health);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Stops the keep-alive, waits for a call in flight, deregisters (a failure is logged), and releases the backend's resources.</summary>
    /// <returns>A task that completes when the registration is gone.</returns>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await _stop.CancelAsync().ConfigureAwait(false);
        await _keepAlive.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);

        // The gate is not disposed: a SetHealthAsync waiting on it must wake up (and throw ObjectDisposedException).
        await _gate.WaitAsync(CancellationToken.None).ConfigureAwait(false);
        try
        {
            if (_written)
            {
                using var timeout = new CancellationTokenSource(RequestTimeout, TimeProvider);
                using var activity = StartSpan(RegistryTracing.Deregister, Instance);
                try
                {
                    await DeregisterAsync(timeout.Token).ConfigureAwait(false);
                    Log.Deregistered(Logger, Registrar, Instance.Service, Instance.Id);
                }
                catch (Exception ex)
                {
                    RegistryTracing.Fail(activity, ex);
                    Log.DeregisterFailed(Logger, Registrar, Instance.Service, Instance.Id, TranslateError(ex, "deregistering the instance").Message);
                }
            }
        }
        finally
        {
            _gate.Release();
        }

        try
        {
            await DisposeCoreAsync().ConfigureAwait(false);
        }
        finally
        {
            _stop.Dispose();
            GC.SuppressFinalize(this);
        }
    }

    /// <summary>
    /// Writes the registration of <paramref name="instance"/>: on start, and again after <see cref="KeepAliveAsync"/>
    /// reported the record lost. Runs under the gate.
    /// </summary>
    /// <param name="instance">The instance as it is now (with the health last set).</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    /// <returns>A task that completes when the registry holds the instance.</returns>
    protected abstract Task RegisterAsync(ServiceInstance instance, CancellationToken cancellationToken);

    /// <summary>One keep-alive (TTL update, heartbeat, lease keep-alive). Runs under the gate.</summary>
    /// <param name="cancellationToken">Cancelled when the registration is disposed.</param>
    /// <returns><see langword="true"/> when the registry still holds the record; <see langword="false"/> when it lost it (the base registers again).</returns>
    protected abstract Task<bool> KeepAliveAsync(CancellationToken cancellationToken);

    /// <summary>Removes the registration from the registry. Runs under the gate, once, when the registration is disposed.</summary>
    /// <param name="cancellationToken">Cancelled after <see cref="RequestTimeout"/>.</param>
    /// <returns>A task that completes when the record is gone.</returns>
    protected abstract Task DeregisterAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Publishes a new health. Runs under the gate; <see cref="Instance"/> takes the new health when it returns. The
    /// default registers the instance again with the new health; a backend whose registry cannot hold a health throws
    /// <see cref="InvalidOperationException"/>.
    /// </summary>
    /// <param name="health">The new health.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>A task that completes when the registry has the new health.</returns>
    protected virtual Task UpdateHealthAsync(HealthStatus health, CancellationToken cancellationToken) =>
        RegisterAsync(Instance with { Health = health }, cancellationToken);

    /// <summary>
    /// Registers again from inside a hook (for example a health update that finds the record lost) and counts it in
    /// <see cref="Reregistrations"/>. Call it only from a hook: the gate is held.
    /// </summary>
    /// <param name="instance">The instance to register.</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    /// <returns>A task that completes when the registry holds the instance again.</returns>
    protected async Task RegisterAgainAsync(ServiceInstance instance, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(instance);
        using (var activity = StartSpan(RegistryTracing.Register, instance))
        {
            activity?.SetTag("registry.reregistration", true);
            try
            {
                await RegisterAsync(instance, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                RegistryTracing.Fail(activity, ex);
                throw;
            }
        }

        Interlocked.Increment(ref _reregistrations);
        Log.Reregistered(Logger, Registrar, instance.Service, instance.Id);
    }

    /// <summary>The package's activity source for the <c>registry.register</c>/<c>registry.deregister</c> spans. <value>The default value is <see langword="null"/>: no spans.</value></summary>
    protected virtual ActivitySource? ActivitySource => null;

    /// <summary>The registry kind recorded on the spans (<c>registry.kind</c>). <value>The default value is <c>unknown</c>.</value></summary>
    protected virtual string RegistryKind => "unknown";

    /// <summary>The server the registration is written to (<c>server.address</c>, <c>server.port</c>). <value>The default value is <see langword="null"/>.</value></summary>
    protected virtual Uri? Server => null;

    /// <summary>
    /// Marks that the registry may hold the record, so that a start that fails from here on deregisters it. Call it
    /// after the first write of a start that needs several (a lease, then the key; a register, then a status).
    /// </summary>
    protected void MarkWritten() => _written = true;

    /// <summary>Turns a backend exception into the <see cref="RegistryException"/> callers see. The default returns it unchanged.</summary>
    /// <param name="exception">The exception.</param>
    /// <param name="operation">What failed, for example <c>registering the instance</c>.</param>
    /// <returns>The exception to throw or log; its message must carry no secret.</returns>
    protected virtual Exception TranslateError(Exception exception, string operation) => exception;

    /// <summary>Releases the backend's resources (connections) after the deregistration. The default does nothing.</summary>
    /// <returns>A task that completes when they are released.</returns>
    protected virtual ValueTask DisposeCoreAsync() => ValueTask.CompletedTask;

    private async Task KeepAliveLoopAsync(PeriodicTimer timer, CancellationToken cancellationToken)
    {
        using var owned = timer;
        while (await WaitTickAsync(timer, cancellationToken).ConfigureAwait(false))
        {
            try
            {
                await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
                try
                {
                    if (!await KeepAliveAsync(cancellationToken).ConfigureAwait(false))
                    {
                        Log.Lost(Logger, Registrar, Instance.Service, Instance.Id);
                        await RegisterAgainAsync(Instance, cancellationToken).ConfigureAwait(false);
                    }
                }
                finally
                {
                    _gate.Release();
                }

                if (_failing)
                {
                    _failing = false;
                    Log.KeepAliveRecovered(Logger, Registrar, Instance.Service, Instance.Id);
                }
            }
            catch (Exception) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                var message = TranslateError(ex, "keeping the registration alive").Message;
                if (_failing)
                {
                    Log.KeepAliveStillFailing(Logger, Registrar, Instance.Service, Instance.Id, message);
                }
                else
                {
                    _failing = true;
                    Log.KeepAliveFailed(Logger, Registrar, Instance.Service, Instance.Id, KeepAliveInterval, message);
                }
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

    private Activity? StartSpan(string operation, ServiceInstance instance)
    {
        if (ActivitySource is not { } source)
        {
            return null;
        }

        var activity = RegistryTracing.Start(source, operation, Registrar, RegistryKind, Server, instance.Service);
        activity?.SetTag("registry.instance.id", instance.Id);
        return activity;
    }
}
