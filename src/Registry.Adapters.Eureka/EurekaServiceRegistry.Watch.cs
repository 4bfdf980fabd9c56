using System.Diagnostics;
using System.Runtime.CompilerServices;
using Registry.Adapters.Backends;

namespace Registry.Adapters.Eureka;

internal sealed partial class EurekaServiceRegistry
{
    /// <summary>After the server refuses deltas (403), this many full fetches pass before the delta endpoint is tried again.</summary>
    internal const int FullFetchesBeforeDeltaRetry = 10;

    /// <inheritdoc />
    public async IAsyncEnumerable<RegistryEvent> WatchAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _disposing.Token);
        var token = linked.Token;
        var session = new WatchSession(this);
        yield return new RegistryStateEvent(RegistryConnectionState.Connecting);
        while (!token.IsCancellationRequested)
        {
            var (events, delay) = await session.StepAsync(token).ConfigureAwait(false);
            if (events is null)
            {
                yield break;
            }

            foreach (var item in events)
            {
                yield return item;
            }

            try
            {
                await Task.Delay(delay, _time, token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                yield break;
            }
        }
    }

    /// <summary>The state of one watch: its local copy of the registry and where the fetch cycle stands.</summary>
    private sealed class WatchSession(EurekaServiceRegistry owner)
    {
        private readonly EurekaLocalRegistry _local = new(owner._mapper);
        private readonly RetryBackoff _backoff = owner._options.Reconnect.CreateBackoff();
        private readonly WatchPublisher _publisher = new(owner.Name, owner._logger);
        private bool _started;
        private bool _connected;
        private bool _needFull = true;
        private int _fullFetchesUntilDelta;

        /// <summary>One fetch: the events to yield and the wait before the next; <see langword="null"/> events when cancelled.</summary>
        public async Task<(List<RegistryEvent>? Events, TimeSpan Delay)> StepAsync(CancellationToken token)
        {
            var started = owner._time.GetTimestamp();
            var events = new List<RegistryEvent>();
            var skipped = new List<SkippedRecord>();
            try
            {
                var data = await TracedFetchAsync(skipped, token).ConfigureAwait(false);
                if (!_connected)
                {
                    _connected = true;
                    Log.Connected(owner._logger, owner.Name, owner._client.Transport.Endpoints[owner._client.Transport.Current].Display);
                    events.Add(new RegistryStateEvent(RegistryConnectionState.Connected));
                }

                foreach (var item in data)
                {
                    if (item is RegistrySnapshotEvent snapshot)
                    {
                        // Its skipped records travel inside it; PublishSkipped below then finds them reported.
                        _publisher.PublishSnapshot(snapshot.Snapshot, events);
                    }
                    else
                    {
                        events.Add(item);
                    }
                }

                _publisher.PublishSkipped(skipped, events);

                _backoff.Reset();
                return (events, NextDelay(started));
            }
            catch (OperationCanceledException) when (token.IsCancellationRequested)
            {
                return (null, TimeSpan.Zero);
            }
            catch (ObjectDisposedException) when (token.IsCancellationRequested)
            {
                return (null, TimeSpan.Zero);
            }
            catch (RegistryException ex)
            {
                // The copy may have missed deltas while failing: the next success re-reads everything.
                _needFull = true;
                _connected = false;
                var delay = _backoff.NextDelay();
                owner._metrics.Failed();
                Log.FetchFailed(owner._logger, owner.Name, delay, ex.Message);
                var state = ex.IsPermanent ? RegistryConnectionState.Failed : RegistryConnectionState.Retrying;
                events.Add(new RegistryStateEvent(state, ex.Message, delay));
                return (events, delay);
            }
        }

        /// <summary>Fetches on a fixed cadence (a change waits at most one interval), but leaves the server at least a tenth of it.</summary>
        private TimeSpan NextDelay(long started)
        {
            var interval = owner._options.FetchInterval;
            var remaining = interval - owner._time.GetElapsedTime(started);
            return remaining > interval / 10 ? remaining : interval / 10;
        }

        /// <summary><see cref="FetchAsync"/> inside a <c>registry.read</c> (or, when a full re-read is forced, <c>registry.resync</c>) span.</summary>
        private async Task<List<RegistryEvent>> TracedFetchAsync(List<SkippedRecord> skipped, CancellationToken token)
        {
            var transport = owner._client.Transport;
            using var activity = Registry.Adapters.Backends.RegistryTracing.Start(
                EurekaTelemetry.Source,
                _needFull && _started ? Registry.Adapters.Backends.RegistryTracing.Resync : Registry.Adapters.Backends.RegistryTracing.Read,
                owner.Name,
                owner.Kind,
                transport.Endpoints[transport.Current].BaseUri);
            try
            {
                var events = await FetchAsync(skipped, token).ConfigureAwait(false);
                Registry.Adapters.Backends.RegistryTracing.SetCount(activity, "registry.changes", events.Count);
                return events;
            }
            catch (Exception ex) when (!token.IsCancellationRequested)
            {
                Registry.Adapters.Backends.RegistryTracing.Fail(activity, ex);
                throw;
            }
        }

        private async Task<List<RegistryEvent>> FetchAsync(List<SkippedRecord> skipped, CancellationToken token)
        {
            var client = owner._client;
            var started = Stopwatch.GetTimestamp();
            if (!_needFull && !owner._options.DisableDelta && _fullFetchesUntilDelta == 0)
            {
                var delta = await client.GetDeltaAsync(token).ConfigureAwait(false);
                if (delta is not null)
                {
                    _local.ApplyDelta(delta, skipped);
                    var hash = _local.HashCode;
                    if (string.Equals(hash, delta.AppsHashCode, StringComparison.Ordinal))
                    {
                        var changes = _local.Publish(hash);
                        owner._metrics.Fetched(started, full: false);
                        Log.DeltaApplied(owner._logger, owner.Name, changes.Count, hash);
                        return [.. changes];
                    }

                    Log.HashMismatch(owner._logger, owner.Name, hash, delta.AppsHashCode);
                    _needFull = true;
                    skipped.Clear();
                }
                else
                {
                    Log.DeltaRefused(owner._logger, owner.Name);
                    _fullFetchesUntilDelta = FullFetchesBeforeDeltaRetry;
                }
            }
            else if (_fullFetchesUntilDelta > 0)
            {
                _fullFetchesUntilDelta--;
            }

            var resync = _needFull && _started;
            var applications = await client.GetApplicationsAsync(token).ConfigureAwait(false);
            _local.Load(applications, skipped);
            var revision = _local.HashCode;
            var published = _local.Publish(revision);
            owner._metrics.Fetched(started, full: true);
            if (resync)
            {
                owner._metrics.Resynced();
            }

            Log.FullFetch(owner._logger, owner.Name, _local.Count, revision);
            _needFull = false;
            if (!_started || resync)
            {
                _started = true;
                return [new RegistrySnapshotEvent(_local.Snapshot(revision, [.. skipped]), IsResync: resync)];
            }

            return [.. published];
        }
    }
}
