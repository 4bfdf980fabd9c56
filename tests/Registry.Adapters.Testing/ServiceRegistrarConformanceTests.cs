using System.Collections.Concurrent;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using Shouldly;
using Xunit;

namespace Registry.Adapters.Testing;

/// <summary>
/// The contract every <see cref="IServiceRegistrar"/> passes, run once per backend that has registration (etcd, Consul,
/// Eureka): register and read back through the same backend's <see cref="IServiceRegistry"/>, deregister on dispose,
/// keep-alives driven by a <see cref="FakeTimeProvider"/>, re-registration when the server lost the record, nothing
/// left behind when a start fails after its first write, and self-registration's one behaviour while the registry is down.
/// </summary>
public abstract class ServiceRegistrarConformanceTests : IAsyncLifetime
{
    /// <summary>The registrar key the self-registration tests use.</summary>
    protected const string RegistrarKey = "conformance";

    private readonly List<IAsyncDisposable> _owned = [];
    private ILoggerFactory? _loggerFactory;

    /// <summary>The clock of every registrar the suite creates (keep-alives, retries, timeouts).</summary>
    protected FakeTimeProvider Time { get; } = new(DateTimeOffset.UtcNow);

    /// <summary>Every log entry of the self-registration hosts.</summary>
    protected ConcurrentQueue<(EventId Id, LogLevel Level, string Message)> Logs { get; } = new();

    /// <summary>The logging of every registrar and host the suite creates; each entry lands in <see cref="Logs"/>.</summary>
    protected ILoggerFactory LoggerFactory => _loggerFactory ??= Microsoft.Extensions.Logging.LoggerFactory.Create(b => b.SetMinimumLevel(LogLevel.Debug).AddProvider(new CapturingProvider(Logs)));

    /// <summary>How long a state that comes from the wire may take to show.</summary>
    protected virtual TimeSpan Timeout => Poll.Timeout;

    /// <summary>How often the backend's keep-alive runs with the options <see cref="CreateRegistrar"/> uses.</summary>
    protected abstract TimeSpan KeepAliveInterval { get; }

    /// <summary>Starts the backend (an empty one, or one with a prefix of its own).</summary>
    public abstract Task InitializeAsync();

    /// <summary>Stops the backend.</summary>
    public abstract Task DisposeAsync();

    /// <summary>Creates a registrar over the backend whose clock is <see cref="Time"/> and whose logging is <see cref="LoggerFactory"/>.</summary>
    protected abstract IServiceRegistrar CreateRegistrar();

    /// <summary>Creates a registry that reads the same backend.</summary>
    protected abstract IServiceRegistry CreateRegistry();

    /// <summary>How many keep-alives (TTL updates, heartbeats, lease renewals) the server has received so far.</summary>
    protected abstract Task<long> ServerKeepAlivesAsync(ServiceInstance instance);

    /// <summary>Whether the server holds anything of <paramref name="instance"/> (its record, or a lease or check made for it).</summary>
    protected abstract Task<bool> ServerHoldsAsync(ServiceInstance instance);

    /// <summary>Makes the server lose the record without telling the registrar (agent restart, lease revoked, lease evicted).</summary>
    protected abstract Task LoseRecordAsync(ServiceInstance instance);

    /// <summary>The registry cannot be reached (connections refused) until <see cref="BringUpAsync"/>.</summary>
    protected abstract Task TakeDownAsync();

    /// <summary>The registry can be reached again, with what it held before.</summary>
    protected abstract Task BringUpAsync();

    /// <summary>
    /// Arranges that registering the returned instance fails after the first write reached the server (a status after
    /// the register, the key after the lease); the returned instance is <paramref name="instance"/>, possibly changed.
    /// </summary>
    protected abstract Task<ServiceInstance> ArrangeStartFailingAfterFirstWriteAsync(ServiceInstance instance);

    /// <summary>Whether a first write of <paramref name="instance"/> reached the server (for the test to prove it tested what it says).</summary>
    protected abstract Task<bool> FirstWriteReachedServerAsync(ServiceInstance instance);

    /// <summary>An instance the backend can hold; distinct per <paramref name="index"/>.</summary>
    protected virtual ServiceInstance CreateInstance(int index) => new()
    {
        Service = "orders",
        Id = $"orders-{index}",
        Host = $"10.9.0.{index}",
        Ports = [new ServicePort("http", 8080, "http")],
        Health = HealthStatus.Healthy,
        Metadata = new Dictionary<string, string> { ["version"] = "1.4" },
    };

    /// <summary>Disposes what the suite created, then the backend.</summary>
    protected async Task DisposeOwnedAsync()
    {
        foreach (var item in Enumerable.Reverse(_owned))
        {
            await item.DisposeAsync();
        }

        _owned.Clear();
        _loggerFactory?.Dispose();
    }

    [Fact]
    public async Task RegisterAsync_Instance_VisibleThroughTheSameBackendsRegistry()
    {
        var instance = CreateInstance(1);
        var registrar = Own(CreateRegistrar());

        await using var registration = await registrar.RegisterAsync(instance);

        registration.Instance.ShouldBe(instance);
        var seen = await ReadBackAsync(instance, found => found is not null, "the registered instance is listed");
        seen!.Host.ShouldBe(instance.Host);
        seen.Ports.ShouldBe(instance.Ports);
        seen.Health.ShouldBe(HealthStatus.Healthy);
        (await ServerHoldsAsync(instance)).ShouldBeTrue();
    }

    [Fact]
    public async Task DisposeAsync_Registered_Deregisters()
    {
        var instance = CreateInstance(2);
        var registration = await Own(CreateRegistrar()).RegisterAsync(instance);
        await ReadBackAsync(instance, found => found is not null, "registered");

        await registration.DisposeAsync();

        (await ServerHoldsAsync(instance)).ShouldBeFalse("dispose deregisters before it returns");
        await ReadBackAsync(instance, found => found is null, "the registry no longer lists the instance");
        await Should.ThrowAsync<ObjectDisposedException>(() => registration.SetHealthAsync(HealthStatus.Healthy));
    }

    [Fact]
    public async Task KeepAlive_EachInterval_OneKeepAliveReachesTheServer()
    {
        var instance = CreateInstance(3);
        await using var registration = await Own(CreateRegistrar()).RegisterAsync(instance);
        var before = await ServerKeepAlivesAsync(instance);

        for (var i = 1; i <= 3; i++)
        {
            Time.Advance(KeepAliveInterval);
            var expected = before + i;
            await UntilAsync(async () => await ServerKeepAlivesAsync(instance) >= expected, $"keep-alive {i} after {i} interval(s) of the fake clock");
        }

        (await ServerKeepAlivesAsync(instance)).ShouldBe(before + 3, "one keep-alive per interval");
        registration.Reregistrations.ShouldBe(0);
        (await ServerHoldsAsync(instance)).ShouldBeTrue();
    }

    [Fact]
    public async Task KeepAlive_ServerLostTheRecord_RegistersAgain()
    {
        var instance = CreateInstance(4);
        await using var registration = await Own(CreateRegistrar()).RegisterAsync(instance);
        await ReadBackAsync(instance, found => found is not null, "registered");

        await LoseRecordAsync(instance);
        await ReadBackAsync(instance, found => found is null, "the server lost the record");
        Time.Advance(KeepAliveInterval);

        await UntilAsync(() => Task.FromResult(registration.Reregistrations == 1), "the keep-alive found the record lost and registered again");
        await ReadBackAsync(instance, found => found is not null, "the instance is listed again");
    }

    [Fact]
    public async Task KeepAlive_RegistryDownThenBack_LogsOnceEachWayAndTheInstanceIsListedAgain()
    {
        var instance = CreateInstance(13);
        await using var registration = await Own(CreateRegistrar()).RegisterAsync(instance);
        await TakeDownAsync();
        try
        {
            await AdvanceUntilAsync(() => Task.FromResult(Count(RegistrationEvent.StillFailing) >= 2), "three failed keep-alives while the registry is down");
            Count(RegistrationEvent.Failing).ShouldBe(1, "a failing keep-alive is logged once as a warning");
            Count(RegistrationEvent.Recovered).ShouldBe(0);
        }
        finally
        {
            await BringUpAsync();
        }

        await AdvanceUntilAsync(() => Task.FromResult(Count(RegistrationEvent.Recovered) == 1), "the keep-alive works again");
        await ReadBackAsync(instance, found => found is not null, "the instance is listed after the registry came back");
        Count(RegistrationEvent.Failing).ShouldBe(1);
    }

    [Fact]
    public async Task SetHealthAsync_Draining_ReadBackDraining()
    {
        var instance = CreateInstance(5);
        await using var registration = await Own(CreateRegistrar()).RegisterAsync(instance);

        await registration.SetHealthAsync(HealthStatus.Draining);

        registration.Instance.Health.ShouldBe(HealthStatus.Draining);
        await ReadBackAsync(instance, found => found?.Health == HealthStatus.Draining, "the instance reads back draining");
        await registration.SetHealthAsync(HealthStatus.Healthy);
        await ReadBackAsync(instance, found => found?.Health == HealthStatus.Healthy, "the instance reads back healthy again");
    }

    [Fact]
    public async Task RegisterAsync_FailsAfterFirstWrite_ThrowsAndLeavesNothingBehind()
    {
        var instance = await ArrangeStartFailingAfterFirstWriteAsync(CreateInstance(6));
        var registrar = Own(CreateRegistrar());

        await Should.ThrowAsync<RegistryException>(() => registrar.RegisterAsync(instance));

        (await FirstWriteReachedServerAsync(instance)).ShouldBeTrue("the start failed after its first write, not before");
        (await ServerHoldsAsync(instance)).ShouldBeFalse("the failed start deregistered what it had written");
    }

    [Fact]
    public async Task RegisterAsync_RegistryDown_ThrowsRegistryException()
    {
        var registrar = Own(CreateRegistrar());
        await TakeDownAsync();
        try
        {
            await Should.ThrowAsync<RegistryException>(() => registrar.RegisterAsync(CreateInstance(7)));
        }
        finally
        {
            await BringUpAsync();
        }
    }

    [Fact]
    public async Task RegisterAsync_InvalidInstance_ThrowsArgumentExceptionAndWritesNothing()
    {
        var hostile = CreateInstance(8) with { Id = "../../etc/passwd" };

        await Should.ThrowAsync<ArgumentException>(() => Own(CreateRegistrar()).RegisterAsync(hostile));

        (await ServerHoldsAsync(hostile)).ShouldBeFalse();
    }

    [Fact]
    public async Task SelfRegistration_HostStartAndStop_RegistersThenDeregisters()
    {
        var instance = CreateInstance(9);
        using var host = BuildHost(instance);

        await host.StartAsync();
        await UntilAsync(() => ServerHoldsAsync(instance), "registered once the host started");
        await ReadBackAsync(instance, found => found is not null, "listed through the registry");
        await host.StopAsync();

        (await ServerHoldsAsync(instance)).ShouldBeFalse("host stop deregisters before it returns");
        Logs.ShouldNotContain(l => l.Level >= LogLevel.Warning, string.Join(" | ", Logs.Select(l => l.Message)));
    }

    [Fact]
    public async Task SelfRegistration_RegistryDownAtStart_HostStartsRetriesInBackgroundAndLogsOncePerChange()
    {
        var instance = CreateInstance(10);
        using var host = BuildHost(instance);
        await TakeDownAsync();
        try
        {
            await host.StartAsync();

            // The host is up with the registry down; the fake clock drives the retries.
            await AdvanceUntilAsync(() => Task.FromResult(Count(SelfRegistrationEvent.Retried) >= 3), "three retries while the registry is down");
            Count(SelfRegistrationEvent.Failed).ShouldBe(1, "the failure is logged once as a warning, the retries at debug level");
            Count(SelfRegistrationEvent.Recovered).ShouldBe(0);
        }
        finally
        {
            await BringUpAsync();
        }

        await AdvanceUntilAsync(() => ServerHoldsAsync(instance), "registered once the registry is back");
        await UntilAsync(() => Task.FromResult(Count(SelfRegistrationEvent.Recovered) == 1), "the success after failures is logged once");
        await ReadBackAsync(instance, found => found is not null, "listed through the registry");
        Count(SelfRegistrationEvent.Failed).ShouldBe(1);

        await host.StopAsync();
        (await ServerHoldsAsync(instance)).ShouldBeFalse("host stop deregisters");
    }

    [Fact]
    public async Task SelfRegistration_FailFastAndRegistryDown_HostStartFails()
    {
        var instance = CreateInstance(11);
        using var host = BuildHost(instance, o => o.FailFast = true);
        await TakeDownAsync();
        try
        {
            var error = await Should.ThrowAsync<Exception>(() => host.StartAsync());
            (error is RegistryException || error.InnerException is RegistryException).ShouldBeTrue(error.ToString());
            Count(SelfRegistrationEvent.FailedFast).ShouldBe(1);
        }
        finally
        {
            await BringUpAsync();
        }

        (await ServerHoldsAsync(instance)).ShouldBeFalse();
    }

    [Fact]
    public async Task SelfRegistration_FailFastAndRegistryUp_RegisteredWhenStartReturns()
    {
        var instance = CreateInstance(12);
        using var host = BuildHost(instance, o => o.FailFast = true);

        await host.StartAsync();

        (await ServerHoldsAsync(instance)).ShouldBeTrue("with FailFast the host start waits for the registration");
        await host.StopAsync();
        (await ServerHoldsAsync(instance)).ShouldBeFalse();
    }

    /// <summary>Polls until <paramref name="condition"/> holds (state that comes from the wire), or fails after <see cref="Timeout"/>.</summary>
    protected Task UntilAsync(Func<Task<bool>> condition, string because) => Poll.UntilAsync(condition, because, Timeout);

    /// <summary>Like <see cref="UntilAsync"/>, advancing the fake clock by a second between polls (for retry delays).</summary>
    protected Task AdvanceUntilAsync(Func<Task<bool>> condition, string because) =>
        Poll.UntilAsync(condition, because, Timeout, () => Time.Advance(TimeSpan.FromSeconds(1)));

    private T Own<T>(T item)
    {
        if (item is IAsyncDisposable disposable)
        {
            _owned.Add(disposable);
        }
        else if (item is IDisposable sync)
        {
            _owned.Add(new SyncDisposer(sync));
        }

        return item;
    }

    private async Task<ServiceInstance?> ReadBackAsync(ServiceInstance instance, Func<ServiceInstance?, bool> condition, string because)
    {
        var registry = Own(CreateRegistry());
        ServiceInstance? found = null;
        await UntilAsync(
            async () =>
            {
                var snapshot = await registry.ReadAsync();
                var instances = snapshot.Services.FirstOrDefault(p => string.Equals(p.Key, instance.Service, StringComparison.OrdinalIgnoreCase)).Value ?? [];
                found = instances.FirstOrDefault(i => i.Id == instance.Id);
                return condition(found);
            },
            because);
        return found;
    }

    private IHost BuildHost(ServiceInstance instance, Action<SelfRegistrationOptions>? configure = null)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Logging.SetMinimumLevel(LogLevel.Debug);
        builder.Logging.AddProvider(new CapturingProvider(Logs));
        builder.Services.AddSingleton<TimeProvider>(Time);
        builder.Services.AddSingleton(LoggerFactory);
        builder.Services.AddKeyedSingleton(RegistrarKey, (_, _) => CreateRegistrar());
        builder.Services.AddSelfRegistration(instance, RegistrarKey, o =>
        {
            o.Retry.InitialDelay = TimeSpan.FromSeconds(1);
            o.Retry.MaxDelay = TimeSpan.FromSeconds(2);
            configure?.Invoke(o);
        });
        return builder.Build();
    }

    private int Count(SelfRegistrationEvent id) => Logs.Count(l => l.Id.Id == (int)id);

    private int Count(RegistrationEvent id) => Logs.Count(l => l.Id.Id == (int)id);

    /// <summary>The event ids of the registration base's keep-alive log lines.</summary>
    private enum RegistrationEvent
    {
        Failing = 1603,
        StillFailing = 1604,
        Recovered = 1605,
    }

    /// <summary>The event ids of the self-registration service's log lines.</summary>
    private enum SelfRegistrationEvent
    {
        Failed = 1610,
        Retried = 1611,
        Recovered = 1612,
        FailedFast = 1613,
    }

    private sealed class SyncDisposer(IDisposable inner) : IAsyncDisposable
    {
        public ValueTask DisposeAsync()
        {
            inner.Dispose();
            return ValueTask.CompletedTask;
        }
    }

    private sealed class CapturingProvider(ConcurrentQueue<(EventId, LogLevel, string)> sink) : ILoggerProvider
    {
        public ILogger CreateLogger(string categoryName) => new Logger(sink);

        public void Dispose()
        {
        }

        private sealed class Logger(ConcurrentQueue<(EventId, LogLevel, string)> sink) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state)
                where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
                sink.Enqueue((eventId, logLevel, formatter(state, exception)));
        }
    }
}
