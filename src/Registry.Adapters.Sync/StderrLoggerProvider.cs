using Microsoft.Extensions.Logging;

namespace Registry.Adapters.Sync;

/// <summary>
/// Writes log lines (<c>warn: Category[1121] message</c>) to standard error, redacted, so standard output stays clean.
/// Below Debug, a registry's own retry warnings are left to the console's one line per registry state
/// (<see cref="ConsoleLogFilter"/>); durations read as people write them (<c>retrying in 180 ms</c>).
/// </summary>
internal sealed class StderrLoggerProvider(TextWriter error, LogLevel minimum) : ILoggerProvider
{
    private readonly Lock _gate = new();

    public ILogger CreateLogger(string categoryName) => new StderrLogger(this, categoryName);

    public void Dispose()
    {
    }

    private void Write(string line)
    {
        lock (_gate)
        {
            error.WriteLine(line);
        }
    }

    private sealed class StderrLogger(StderrLoggerProvider owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => ConsoleLogFilter.IsEnabled(owner._minimum, category, logLevel);

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!IsEnabled(logLevel) || !ConsoleLogFilter.IsShown(owner._minimum, category, eventId, logLevel))
            {
                return;
            }

            var level = logLevel switch
            {
                LogLevel.Trace => "trce",
                LogLevel.Debug => "dbug",
                LogLevel.Information => "info",
                LogLevel.Warning => "warn",
                LogLevel.Error => "fail",
                _ => "crit",
            };
            var message = Redaction.Redact(ConsoleLogFilter.HumanDurations(formatter(state, exception), state));
            var suffix = exception is null ? "" : $" ({exception.GetType().Name}: {Redaction.Redact(exception.Message)})";
            owner.Write($"{level}: {category}[{eventId.Id}] {message}{suffix}");
        }
    }

    private readonly LogLevel _minimum = minimum;
}
