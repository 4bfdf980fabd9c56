using System.Collections.Concurrent;
using System.Threading.Channels;

namespace Registry.Adapters.Testing;

/// <summary>
/// Runs <see cref="IServiceRegistry.WatchAsync"/> in the background, records every event, and keeps a
/// materialised view (service → instances) built only from the events, so tests can wait for the view
/// to reach a state without depending on how a backend batches its changes.
/// </summary>
public sealed class WatchRecorder : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly Channel<RegistryEvent> _signal = Channel.CreateUnbounded<RegistryEvent>();
    private readonly ConcurrentQueue<RegistryEvent> _events = new();
    private readonly Lock _gate = new();
    private Dictionary<string, IReadOnlyList<ServiceInstance>> _view = new(StringComparer.Ordinal);
    private readonly Task _pump;

    public WatchRecorder(IServiceRegistry registry)
    {
        _pump = Task.Run(async () =>
        {
            try
            {
                await foreach (var item in registry.WatchAsync(_stop.Token))
                {
                    Apply(item);
                    _events.Enqueue(item);
                    _signal.Writer.TryWrite(item);
                }
            }
            catch (OperationCanceledException) when (_stop.IsCancellationRequested)
            {
            }
            catch (Exception ex)
            {
                Fault = ex;
            }
            finally
            {
                Completed = true;
                _signal.Writer.TryComplete();
            }
        });
    }

    /// <summary>An exception the watch ended with (a watch must not end on faults).</summary>
    public Exception? Fault { get; private set; }

    /// <summary>The watch enumeration has ended.</summary>
    public bool Completed { get; private set; }

    /// <summary>The pump task; completes when the watch ends.</summary>
    public Task Pump => _pump;

    public IReadOnlyList<RegistryEvent> Events => [.. _events];

    public int SnapshotCount => _events.Count(static e => e is RegistrySnapshotEvent);

    /// <summary>
    /// Every skipped record reported so far through either channel (a snapshot's <see cref="RegistrySnapshot.Skipped"/>
    /// or a <see cref="RecordSkippedEvent"/>), once per report: a record reported twice appears twice.
    /// </summary>
    public IReadOnlyList<SkippedRecord> Skipped => [.. Events.SelectMany(static e => e switch
    {
        RegistrySnapshotEvent s => s.Snapshot.Skipped,
        RecordSkippedEvent k => [k.Record],
        _ => (IEnumerable<SkippedRecord>)[],
    })];

    /// <summary>Waits until a skipped record that matches has been reported through either channel.</summary>
    /// <param name="predicate">The record wanted.</param>
    /// <param name="timeout">How long to wait.</param>
    /// <param name="because">What the test waits for, for the failure message.</param>
    /// <returns>The record.</returns>
    public async Task<SkippedRecord> WaitForSkippedAsync(Func<SkippedRecord, bool> predicate, TimeSpan timeout, string because)
    {
        await WaitForEventAsync<RegistryEvent>(_ => Skipped.Any(predicate), timeout, because).ConfigureAwait(false);
        return Skipped.First(predicate);
    }

    /// <summary>A copy of the view built from events so far.</summary>
    public Dictionary<string, IReadOnlyList<ServiceInstance>> View
    {
        get
        {
            lock (_gate)
            {
                return new Dictionary<string, IReadOnlyList<ServiceInstance>>(_view, StringComparer.Ordinal);
            }
        }
    }

    /// <summary>Waits until <paramref name="condition"/> holds on the view.</summary>
    public Task WaitForViewAsync(Func<IReadOnlyDictionary<string, IReadOnlyList<ServiceInstance>>, bool> condition, TimeSpan timeout, string because) =>
        WaitAsync(_ => condition(View), timeout, because);

    /// <summary>Waits until an event matching <paramref name="predicate"/> has been recorded (including ones already recorded).</summary>
    public Task<T> WaitForEventAsync<T>(Func<T, bool> predicate, TimeSpan timeout, string because, int skip = 0)
        where T : RegistryEvent =>
        WaitForAsync(() => _events.OfType<T>().Skip(skip).FirstOrDefault(predicate), timeout, because);

    private async Task<T> WaitForAsync<T>(Func<T?> probe, TimeSpan timeout, string because)
        where T : class
    {
        T? found = null;
        await WaitAsync(_ => (found = probe()) is not null, timeout, because);
        return found!;
    }

    private async Task WaitAsync(Func<object?, bool> condition, TimeSpan timeout, string because)
    {
        using var cts = new CancellationTokenSource(timeout);
        while (!condition(null))
        {
            if (Completed && !condition(null))
            {
                throw new Xunit.Sdk.XunitException($"The watch ended ({Fault?.GetType().Name}: {Fault?.Message}) before: {because}");
            }

            try
            {
                // Wake on the next event, or re-check every 50 ms (state may come from a clock, not an event).
                using var tick = CancellationTokenSource.CreateLinkedTokenSource(cts.Token);
                tick.CancelAfter(TimeSpan.FromMilliseconds(50));
                await _signal.Reader.WaitToReadAsync(tick.Token);
                while (_signal.Reader.TryRead(out _))
                {
                }
            }
            catch (OperationCanceledException) when (!cts.IsCancellationRequested)
            {
            }
            catch (OperationCanceledException)
            {
                throw new Xunit.Sdk.XunitException(
                    $"Timed out after {timeout.TotalSeconds:0.#} s waiting for: {because}. Events: " +
                    string.Join(" | ", _events.Select(Describe)));
            }
        }
    }

    private void Apply(RegistryEvent item)
    {
        lock (_gate)
        {
            switch (item)
            {
                case RegistrySnapshotEvent snapshot:
                    _view = snapshot.Snapshot.Services
                        .Where(static p => p.Value.Count > 0)
                        .ToDictionary(static p => p.Key, static p => p.Value, StringComparer.Ordinal);
                    break;
                case ServiceChangedEvent change when change.Instances.Count == 0:
                    _view.Remove(change.Service);
                    break;
                case ServiceChangedEvent change:
                    _view[change.Service] = change.Instances;
                    break;
            }
        }
    }

    public static string Describe(RegistryEvent e) => e switch
    {
        RegistrySnapshotEvent s => $"snapshot(resync={s.IsResync}, services={s.Snapshot.Services.Count}, instances={s.Snapshot.InstanceCount})",
        ServiceChangedEvent c => $"changed({c.Service}: {c.Instances.Count})",
        RegistryStateEvent s => $"state({s.State}: {s.Error})",
        RecordSkippedEvent r => $"skipped({r.Record.Key}: {r.Record.Reason})",
        _ => e.GetType().Name,
    };

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        try
        {
            await _pump.WaitAsync(TimeSpan.FromSeconds(10));
        }
        catch (TimeoutException)
        {
        }

        _stop.Dispose();
    }
}
