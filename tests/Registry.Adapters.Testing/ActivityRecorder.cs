using System.Collections.Concurrent;
using System.Diagnostics;

namespace Registry.Adapters.Testing;

/// <summary>
/// An <see cref="ActivityListener"/> on one activity source that keeps every stopped span. Listeners are process-wide and
/// tests run in parallel: filter what it recorded by the registry name the test made unique.
/// </summary>
public sealed class ActivityRecorder : IDisposable
{
    private readonly ConcurrentQueue<Activity> _stopped = new();
    private readonly ActivityListener _listener;

    /// <summary>Starts listening to the source named <paramref name="sourceName"/>.</summary>
    /// <param name="sourceName">The activity source, e.g. <c>Registry.Adapters.Consul</c>.</param>
    public ActivityRecorder(string sourceName)
    {
        _listener = new ActivityListener
        {
            ShouldListenTo = s => s.Name == sourceName,
            Sample = static (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = _stopped.Enqueue,
        };
        ActivitySource.AddActivityListener(_listener);
    }

    /// <summary>The stopped spans of registry <paramref name="registry"/> (tag <c>registry.name</c>).</summary>
    /// <param name="registry">The registry name.</param>
    /// <returns>The spans, in the order they stopped.</returns>
    public IReadOnlyList<Activity> Of(string registry) =>
        [.. _stopped.Where(a => Equals(a.GetTagItem("registry.name"), registry))];

    /// <summary>Waits until a span of <paramref name="registry"/> matching <paramref name="match"/> has stopped.</summary>
    /// <param name="registry">The registry name.</param>
    /// <param name="match">The condition.</param>
    /// <param name="timeout">How long to wait.</param>
    /// <returns>The first matching span.</returns>
    public async Task<Activity> WaitForAsync(string registry, Func<Activity, bool> match, TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        while (true)
        {
            if (Of(registry).FirstOrDefault(match) is { } found)
            {
                return found;
            }

            if (cancel.IsCancellationRequested)
            {
                throw new TimeoutException($"no matching span of '{registry}' within {timeout}; recorded: {string.Join(", ", Of(registry).Select(a => $"{a.OperationName} {a.Status}"))}");
            }

            await Task.Delay(10, CancellationToken.None);
        }
    }

    /// <inheritdoc />
    public void Dispose() => _listener.Dispose();
}
