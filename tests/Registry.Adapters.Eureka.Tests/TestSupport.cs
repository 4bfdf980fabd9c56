using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using Registry.Adapters.Testing;
using Xunit.Sdk;

namespace Registry.Adapters.Eureka.Tests;

/// <summary>A fake clock that counts the timers created on it, so a test knows when a fetch loop is waiting for its next interval.</summary>
public sealed class CountingTimeProvider : FakeTimeProvider
{
    private int _timers;

    public CountingTimeProvider()
        : base(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero))
    {
    }

    public int Timers => Volatile.Read(ref _timers);

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var timer = base.CreateTimer(callback, state, dueTime, period);
        Interlocked.Increment(ref _timers);
        return timer;
    }

    /// <summary>Waits until at least <paramref name="count"/> timers exist (the loop has gone to sleep that many times).</summary>
    public Task WaitForTimersAsync(int count) => Wait.UntilAsync(() => Timers >= count, $"{count} timers (have {Timers})");
}

/// <summary>Polling waits bounded in real time (never asserting on durations).</summary>
public static class Wait
{
    public static async Task UntilAsync(Func<bool> condition, string because, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(20));
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new XunitException("Timed out waiting for " + because);
            }

            await Task.Delay(10);
        }
    }

    public static Task<T> ForEventAsync<T>(this WatchRecorder recorder, Func<T, bool> predicate, string because, int skip = 0)
        where T : RegistryEvent =>
        recorder.WaitForEventAsync(predicate, TimeSpan.FromSeconds(20), because, skip);

    public static Task ForViewAsync(this WatchRecorder recorder, Func<IReadOnlyDictionary<string, IReadOnlyList<ServiceInstance>>, bool> condition, string because) =>
        recorder.WaitForViewAsync(condition, TimeSpan.FromSeconds(20), because);
}

/// <summary>Collects every formatted log line (and exception text) of every logger.</summary>
public sealed class CapturingLoggerProvider : ILoggerProvider, ILoggerFactory
{
    public ConcurrentQueue<string> Lines { get; } = new();

    public ILogger CreateLogger(string categoryName) => new Logger(this);

    public void AddProvider(ILoggerProvider provider)
    {
    }

    public void Dispose()
    {
    }

    private sealed class Logger(CapturingLoggerProvider owner) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            owner.Lines.Enqueue($"{logLevel} {eventId.Id} {formatter(state, exception)} {exception}");
    }
}
