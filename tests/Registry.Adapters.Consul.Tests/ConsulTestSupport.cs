using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Registry.Adapters.Consul.Tests.Fake;

namespace Registry.Adapters.Consul.Tests;

internal static class ConsulTestSupport
{
    /// <summary>Options against the fake with test-sized timings and no environment.</summary>
    public static ConsulRegistryOptions Options(FakeConsulServer fake, Action<ConsulRegistryOptions>? configure = null)
    {
        var options = new ConsulRegistryOptions
        {
            Address = fake.Address.ToString(),
            UseEnvironment = false,
            Wait = TimeSpan.FromSeconds(2),
            MinQueryInterval = TimeSpan.FromMilliseconds(10),
            RequestTimeout = TimeSpan.FromSeconds(5),
        };
        configure?.Invoke(options);
        return options;
    }

    public static ConsulServiceRegistry CreateRegistry(
        FakeConsulServer fake,
        Action<ConsulRegistryOptions>? configure = null,
        ILoggerFactory? loggerFactory = null,
        TimeProvider? time = null,
        string name = "consul") =>
        new(name, ConsulSettings.Create(Options(fake, configure), "Consul"), loggerFactory ?? NullLoggerFactory.Instance, time ?? TimeProvider.System);

    public static ConsulServiceRegistrar CreateRegistrar(
        FakeConsulServer fake,
        Action<ConsulRegistryOptions>? configure = null,
        ILoggerFactory? loggerFactory = null,
        TimeProvider? time = null) =>
        new("consul", ConsulSettings.Create(Options(fake, configure), "Consul"), loggerFactory ?? NullLoggerFactory.Instance, time ?? TimeProvider.System);

    /// <summary>Puts an instance on a node named after its host; the service address is left empty so the node address is used.</summary>
    public static void Put(FakeConsulServer fake, ServiceInstance instance, string status = "passing") =>
        fake.PutService(NodeOf(instance), instance.Host, new FakeServiceSpec(instance.Id, instance.Service)
        {
            Port = instance.Ports.Count > 0 ? instance.Ports[0].Port : 0,
            Tags = instance.Tags,
            Meta = instance.Metadata.ToDictionary(),
        }, status);

    public static string NodeOf(ServiceInstance instance) => "node-" + instance.Host;

    /// <summary>Polls <paramref name="condition"/> until it holds (state that comes from the wire, not from events).</summary>
    public static async Task WaitUntilAsync(Func<bool> condition, string because, int timeoutMs = 15000)
    {
        using var cts = new CancellationTokenSource(timeoutMs);
        while (!condition())
        {
            if (cts.IsCancellationRequested)
            {
                throw new Xunit.Sdk.XunitException("Timed out waiting for: " + because);
            }

            await Task.Delay(10);
        }
    }
}

/// <summary>Keeps every log line and exception, to prove secrets never reach them.</summary>
internal sealed class CapturingLoggerProvider : ILoggerProvider
{
    public ConcurrentQueue<string> Lines { get; } = new();

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void Dispose()
    {
    }

    private sealed class Logger(CapturingLoggerProvider owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var values = state is IEnumerable<KeyValuePair<string, object?>> pairs ? string.Join(";", pairs.Select(p => $"{p.Key}={p.Value}")) : string.Empty;
            owner.Lines.Enqueue($"{logLevel} {category} {eventId.Id} {formatter(state, exception)} {values} {exception}");
        }
    }
}
