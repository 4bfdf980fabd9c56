using Registry.Adapters.Backends;
using Registry.Adapters.Consul.Client;

namespace Registry.Adapters.Consul;

internal sealed partial class ConsulWatch
{
    private async Task CatalogLoopAsync(CancellationToken cancellationToken)
    {
        var gate = new RateGate(_registry.Time, _registry.Settings.MinQueryInterval);
        var backoff = _registry.Settings.Reconnect.CreateBackoff();
        var index = 0UL;
        var fullRead = true;
        var failed = false;
        HashSet<string>? names = null;
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
                if (fullRead)
                {
                    var started = System.Diagnostics.Stopwatch.GetTimestamp();
                    _registry.Metrics.Queried(blocking: false);
                    var response = await _registry.TracedAsync(names is null ? RegistryTracing.Read : RegistryTracing.Resync, null, _registry.Client, static (c, ct) => c.GetCatalogServicesAsync(default, ct), cancellationToken).ConfigureAwait(false);
                    var (list, skipped) = _registry.Mapper.ParseCatalog(response.Body);
                    var services = await _registry.LoadAsync(list, consistent: false, cancellationToken).ConfigureAwait(false);
                    Post(new FullRead(list, services, skipped, response.Index));
                    _registry.Metrics.FullRead(started);
                    names = list.ToHashSet(StringComparer.Ordinal);
                    index = ConsulIndex.Next(0, response.Index);
                    fullRead = false;
                }
                else
                {
                    _registry.Metrics.Queried(blocking: true);
                    var response = await _registry.TracedAsync(RegistryTracing.Read, null, (_registry.Client, index), static (s, ct) => s.Client.GetCatalogServicesAsync(new ConsulQuery(s.index), ct), cancellationToken).ConfigureAwait(false);
                    var next = ConsulIndex.Next(index, response.Index);
                    if (next == 0)
                    {
                        // A snapshot restore (or an upgrade) moved the index back: start over with a full read.
                        ConsulServiceRegistry.Log.IndexWentBackwards(Logger, _registry.Name, index, response.Index);
                        _registry.Metrics.Resynced();
                        fullRead = true;
                    }
                    else if (next != index)
                    {
                        var (list, skipped) = _registry.Mapper.ParseCatalog(response.Body);
                        if (names is null || !names.SetEquals(list) || skipped.Count > 0)
                        {
                            names = list.ToHashSet(StringComparer.Ordinal);
                            Post(new CatalogChanged(list, skipped));
                        }
                    }

                    index = next;
                }

                backoff.Reset();
                if (failed)
                {
                    failed = false;
                    Post(new LoopRecovered(this));
                }
            }
            catch (Exception) when (cancellationToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex)
            {
                failed = true;
                if (!await FailAsync(this, ex, backoff, cancellationToken).ConfigureAwait(false))
                {
                    break;
                }
            }
        }
    }

    private async Task ServiceLoopAsync(ServiceLoop loop, ulong index, CancellationToken cancellationToken)
    {
        _registry.RunningServiceLoops.AddOrUpdate(loop.Name, 1, static (_, n) => n + 1);
        try
        {
            await RunServiceLoopAsync(loop, index, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _registry.RunningServiceLoops.AddOrUpdate(loop.Name, 0, static (_, n) => n - 1);
            _registry.RunningServiceLoops.TryRemove(new KeyValuePair<string, int>(loop.Name, 0));
        }
    }

    private async Task RunServiceLoopAsync(ServiceLoop loop, ulong index, CancellationToken cancellationToken)
    {
        var gate = new RateGate(_registry.Time, _registry.Settings.MinQueryInterval);
        var backoff = _registry.Settings.Reconnect.CreateBackoff();
        var failed = false;
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
                _registry.Metrics.Queried(blocking: index > 0);
                var response = await _registry.TracedAsync(RegistryTracing.Read, loop.Name, (_registry.Client, loop.Name, index), static (s, ct) => s.Client.GetHealthServiceAsync(s.Name, new ConsulQuery(s.index), ct), cancellationToken).ConfigureAwait(false);
                var next = ConsulIndex.Next(index, response.Index);
                if (index == 0 || next != index)
                {
                    // An unchanged index means unchanged data: skip the parse. A changed one may still carry
                    // identical data (index churn of the whole table); the enumerator drops those.
                    var (instances, skipped) = _registry.Mapper.ParseHealth(loop.Name, response.Body);
                    Post(new ServiceUpdated(loop, new ServiceRead(instances, skipped, response.Index)));
                }

                index = next;
                backoff.Reset();
                if (failed)
                {
                    failed = false;
                    Post(new LoopRecovered(loop));
                }
            }
            catch (Exception) when (cancellationToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex)
            {
                failed = true;
                if (!await FailAsync(loop, ex, backoff, cancellationToken).ConfigureAwait(false))
                {
                    break;
                }
            }
        }
    }

    /// <summary>Reports a failure and waits out the backoff; <see langword="false"/> when cancelled meanwhile.</summary>
    private async Task<bool> FailAsync(object loop, Exception exception, RetryBackoff backoff, CancellationToken cancellationToken)
    {
        var error = exception as RegistryException
            ?? new RegistryException($"{exception.GetType().Name}: {ServiceInstanceValidator.Printable(exception.Message, 200)}", exception);
        var delay = backoff.NextDelay();
        _registry.Metrics.Failed();
        Post(new LoopFailed(loop, error, delay));
        try
        {
            await Task.Delay(delay, _registry.Time, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    private void StartLoop(string name, ulong index, CancellationToken stop)
    {
        var loop = new ServiceLoop(name, CancellationTokenSource.CreateLinkedTokenSource(stop));
        _loops[name] = loop;
        ConsulServiceRegistry.Log.ServiceWatchStarted(Logger, _registry.Name, name);
        loop.Task = Task.Run(() => ServiceLoopAsync(loop, index, loop.Stop.Token), CancellationToken.None);
    }

    private void Post(Message message) => _inbox.Writer.TryWrite(message);

    /// <summary>What the loops tell the enumerator.</summary>
    private abstract record Message;

    private sealed record FullRead(IReadOnlyList<string> Names, IReadOnlyDictionary<string, ServiceRead> Services, IReadOnlyList<SkippedRecord> Skipped, ulong Index) : Message;

    private sealed record CatalogChanged(IReadOnlyList<string> Names, IReadOnlyList<SkippedRecord> Skipped) : Message;

    private sealed record ServiceUpdated(ServiceLoop Loop, ServiceRead Read) : Message;

    private sealed record LoopFailed(object Loop, RegistryException Error, TimeSpan RetryIn) : Message;

    private sealed record LoopRecovered(object Loop) : Message;

    /// <summary>The blocking loop of one service.</summary>
    private sealed class ServiceLoop(string name, CancellationTokenSource stop)
    {
        public string Name { get; } = name;

        public CancellationTokenSource Stop { get; } = stop;

        public Task Task { get; set; } = Task.CompletedTask;

        public async Task StopAsync()
        {
            await Stop.CancelAsync().ConfigureAwait(false);
            try
            {
                await Task.ConfigureAwait(false);
            }
            finally
            {
                Stop.Dispose();
            }
        }
    }

    /// <summary>Keeps at least a minimum gap between the starts of a loop's requests (Consul's blocking-query advice).</summary>
    private sealed class RateGate(TimeProvider time, TimeSpan minimum)
    {
        private long? _lastStart;

        public async ValueTask WaitAsync(CancellationToken cancellationToken)
        {
            if (_lastStart is { } last && minimum > TimeSpan.Zero)
            {
                var elapsed = time.GetElapsedTime(last);
                if (elapsed < minimum)
                {
                    await Task.Delay(minimum - elapsed, time, cancellationToken).ConfigureAwait(false);
                }
            }

            _lastStart = time.GetTimestamp();
        }
    }
}
