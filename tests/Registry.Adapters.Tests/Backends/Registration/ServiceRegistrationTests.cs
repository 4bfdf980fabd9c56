using System.Collections.Concurrent;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Time.Testing;
using Registry.Adapters.Backends;
using Shouldly;
using Xunit;

namespace Registry.Adapters.Tests.Backends.Registration;

/// <summary>The registration base class against a scripted backend: order of calls, what a failed start leaves, logs, clock-driven timeouts.</summary>
public sealed class ServiceRegistrationTests
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(5);
    private readonly FakeTimeProvider _time = new();
    private readonly FakeLogger _logger = new();

    private static ServiceInstance Orders() => new()
    {
        Service = "orders",
        Id = "orders-1",
        Host = "10.0.0.1",
        Ports = [new ServicePort("http", 8080, "http")],
    };

    [Fact]
    public async Task StartAsync_FailsAfterTheFirstWrite_DeregistersThenThrows()
    {
        var registration = new Scripted(Orders(), _time, _logger)
        {
            OnRegister = (self, _, _) =>
            {
                self.Written();
                throw new RegistryException("the second write failed");
            },
        };

        await Should.ThrowAsync<RegistryException>(() => registration.StartAsync());

        registration.Calls.ShouldBe(["register", "deregister"]);
        await Should.ThrowAsync<ObjectDisposedException>(() => registration.SetHealthAsync(HealthStatus.Healthy));
    }

    [Fact]
    public async Task StartAsync_FailsBeforeAnyWrite_DoesNotDeregister()
    {
        var registration = new Scripted(Orders(), _time, _logger) { OnRegister = (_, _, _) => throw new RegistryException("connection refused") };

        await Should.ThrowAsync<RegistryException>(() => registration.StartAsync());

        registration.Calls.ShouldBe(["register"]);
    }

    [Fact]
    public async Task StartAsync_CancelledWhileWriting_DeregistersBecauseTheWriteMayHaveLanded()
    {
        using var cts = new CancellationTokenSource();
        var registration = new Scripted(Orders(), _time, _logger)
        {
            OnRegister = async (_, _, token) =>
            {
                await cts.CancelAsync();
                token.ThrowIfCancellationRequested();
            },
        };

        await Should.ThrowAsync<OperationCanceledException>(() => registration.StartAsync(cts.Token));

        registration.Calls.ShouldBe(["register", "deregister"]);
    }

    [Fact]
    public async Task StartAsync_Twice_Throws()
    {
        await using var registration = new Scripted(Orders(), _time, _logger);
        await registration.StartAsync();

        await Should.ThrowAsync<InvalidOperationException>(() => registration.StartAsync());
    }

    [Fact]
    public async Task KeepAlive_OnePerIntervalOfTheClock_FromTheStart()
    {
        await using var registration = new Scripted(Orders(), _time, _logger);
        await registration.StartAsync();

        for (var i = 1; i <= 3; i++)
        {
            _time.Advance(Interval);
            await UntilAsync(() => registration.Count("keep-alive") == i, $"keep-alive {i}");
        }

        registration.Count("keep-alive").ShouldBe(3);
        registration.Reregistrations.ShouldBe(0);
    }

    [Fact]
    public async Task KeepAlive_RecordLost_RegistersAgainWithTheCurrentHealth()
    {
        var lost = 1;
        await using var registration = new Scripted(Orders(), _time, _logger) { OnKeepAlive = _ => Task.FromResult(Interlocked.Exchange(ref lost, 0) == 0) };
        await registration.StartAsync();
        await registration.SetHealthAsync(HealthStatus.Unhealthy);

        _time.Advance(Interval);

        await UntilAsync(() => registration.Reregistrations == 1, "registered again");
        registration.Calls.ShouldBe(["register", "health", "keep-alive", "register"]);
        registration.Registered.Last().Health.ShouldBe(HealthStatus.Unhealthy);
    }

    [Fact]
    public async Task KeepAlive_FailingThenRecovering_LogsOnceWhenItStartsFailingAndOnceWhenItRecovers()
    {
        var failures = 3;
        await using var registration = new Scripted(Orders(), _time, _logger)
        {
            OnKeepAlive = _ => Interlocked.Decrement(ref failures) >= 0 ? throw new RegistryException("agent down") : Task.FromResult(true),
        };
        await registration.StartAsync();

        for (var i = 1; i <= 5; i++)
        {
            _time.Advance(Interval);
            await UntilAsync(() => registration.Count("keep-alive") == i, $"keep-alive {i}");
        }

        await UntilAsync(() => Logged(1605) == 1, "the recovery is logged");
        Logged(1603).ShouldBe(1, "the first failure is a warning");
        Logged(1604).ShouldBe(2, "the failures after it are debug lines");
        _logger.Collector.GetSnapshot().Count(r => r.Level >= Microsoft.Extensions.Logging.LogLevel.Warning).ShouldBe(1);
    }

    [Fact]
    public async Task DisposeAsync_HealthUpdateInFlight_DeregistersOnlyAfterIt()
    {
        var entered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var registration = new Scripted(Orders(), _time, _logger)
        {
            OnHealth = async (_, _) =>
            {
                entered.TrySetResult();
                await release.Task;
            },
        };
        await registration.StartAsync();
        var setHealth = registration.SetHealthAsync(HealthStatus.Draining);
        await entered.Task.WaitAsync(TimeSpan.FromSeconds(10));

        var dispose = registration.DisposeAsync().AsTask();
        release.TrySetResult();
        await setHealth.WaitAsync(TimeSpan.FromSeconds(10));
        await dispose.WaitAsync(TimeSpan.FromSeconds(10));

        registration.Calls.ShouldBe(["register", "health", "deregister"], "the deregistration waited for the health update");
        await Should.ThrowAsync<ObjectDisposedException>(() => registration.SetHealthAsync(HealthStatus.Healthy));
    }

    [Fact]
    public async Task DisposeAsync_DeregistrationStalls_GivesUpAfterTheRequestTimeoutOnTheClock()
    {
        var registration = new Scripted(Orders(), _time, _logger) { OnDeregister = token => Task.Delay(Timeout.Infinite, token) };
        await registration.StartAsync();

        var dispose = registration.DisposeAsync().AsTask();
        await UntilAsync(() => registration.Count("deregister") == 1, "the deregistration started");
        dispose.IsCompleted.ShouldBeFalse();
        _time.Advance(Deadline);

        await dispose.WaitAsync(TimeSpan.FromSeconds(10));
        Logged(1607).ShouldBe(1, "the failed deregistration is logged, not thrown");
        registration.CoreDisposed.ShouldBeTrue("resources are released after the deregistration");
    }

    [Fact]
    public async Task SetHealthAsync_BackendFails_InstanceKeepsItsHealth()
    {
        await using var registration = new Scripted(Orders(), _time, _logger) { OnHealth = (_, _) => throw new RegistryException("refused") };
        await registration.StartAsync();

        await Should.ThrowAsync<RegistryException>(() => registration.SetHealthAsync(HealthStatus.Unhealthy));

        registration.Instance.Health.ShouldBe(HealthStatus.Healthy);
    }

    [Fact]
    public void AddSelfRegistration_RetryInitialDelayNotPositive_ThrowsNamingTheSetting()
    {
        var services = new ServiceCollection();

        var error = Should.Throw<ArgumentOutOfRangeException>(() => services.AddSelfRegistration(Orders(), "consul", o => o.Retry.InitialDelay = TimeSpan.Zero));

        error.Message.ShouldContain("SelfRegistrationOptions:Retry:InitialDelay");
    }

    [Fact]
    public void SelfRegistrationOptions_Retry_IsTheSharedReconnectOptionsWithItsOwnDefaults()
    {
        var options = new SelfRegistrationOptions();

        options.Retry.ShouldBeOfType<Registry.Adapters.Backends.ReconnectOptions>();
        options.Retry.InitialDelay.ShouldBe(TimeSpan.FromSeconds(1));
        options.Retry.MaxDelay.ShouldBe(TimeSpan.FromSeconds(30));
        options.Retry.Jitter.ShouldBe(0.5);
    }

    [Fact]
    public void AddSelfRegistration_InvalidInstance_ThrowsAtConfiguration()
    {
        var services = new ServiceCollection();

        Should.Throw<ArgumentException>(() => services.AddSelfRegistration(Orders() with { Id = "../orders" }, "consul")).Message.ShouldContain("instance id");
    }

    private int Logged(int eventId) => _logger.Collector.GetSnapshot().Count(r => r.Id.Id == eventId);

    private static async Task UntilAsync(Func<bool> condition, string because)
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (!condition())
        {
            if (cts.IsCancellationRequested)
            {
                throw new ShouldAssertException("Timed out waiting for: " + because);
            }

            await Task.Delay(10, CancellationToken.None);
        }
    }

    /// <summary>A backend whose every hook is a recorded, scriptable call.</summary>
    private sealed class Scripted(ServiceInstance instance, FakeTimeProvider time, FakeLogger logger)
        : ServiceRegistration("scripted", instance, Interval, Deadline, time, logger)
    {
        private readonly ConcurrentQueue<string> _calls = new();

        public Func<Scripted, ServiceInstance, CancellationToken, Task>? OnRegister { get; init; }

        public Func<CancellationToken, Task<bool>>? OnKeepAlive { get; init; }

        public Func<HealthStatus, CancellationToken, Task>? OnHealth { get; init; }

        public Func<CancellationToken, Task>? OnDeregister { get; init; }

        public IReadOnlyList<string> Calls => [.. _calls];

        public ConcurrentQueue<ServiceInstance> Registered { get; } = new();

        public bool CoreDisposed { get; private set; }

        public int Count(string call) => _calls.Count(c => c == call);

        public void Written() => MarkWritten();

        protected override Task RegisterAsync(ServiceInstance instance, CancellationToken cancellationToken)
        {
            _calls.Enqueue("register");
            Registered.Enqueue(instance);
            return OnRegister?.Invoke(this, instance, cancellationToken) ?? Task.CompletedTask;
        }

        protected override Task<bool> KeepAliveAsync(CancellationToken cancellationToken)
        {
            _calls.Enqueue("keep-alive");
            return OnKeepAlive?.Invoke(cancellationToken) ?? Task.FromResult(true);
        }

        protected override Task UpdateHealthAsync(HealthStatus health, CancellationToken cancellationToken)
        {
            _calls.Enqueue("health");
            return OnHealth?.Invoke(health, cancellationToken) ?? Task.CompletedTask;
        }

        protected override Task DeregisterAsync(CancellationToken cancellationToken)
        {
            _calls.Enqueue("deregister");
            return OnDeregister?.Invoke(cancellationToken) ?? Task.CompletedTask;
        }

        protected override ValueTask DisposeCoreAsync()
        {
            CoreDisposed = true;
            return base.DisposeCoreAsync();
        }
    }
}
