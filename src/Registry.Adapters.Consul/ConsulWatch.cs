using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Registry.Adapters.Backends;

namespace Registry.Adapters.Consul;

/// <summary>
/// One <see cref="IServiceRegistry.WatchAsync"/> run. Loops (the catalog's and one per service) post
/// messages; the enumerator alone owns the state, compares, and yields events, so no locks are needed.
/// </summary>
internal sealed partial class ConsulWatch
{
    private readonly ConsulServiceRegistry _registry;
    private readonly Channel<Message> _inbox = Channel.CreateUnbounded<Message>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Dictionary<string, ServiceLoop> _loops = new(StringComparer.Ordinal);
    private readonly Dictionary<object, RegistryException> _failing = [];
    private readonly WatchPublisher _publisher;
    private bool _failureReported;
    private RegistryConnectionState _reportedState = RegistryConnectionState.Connecting;

    public ConsulWatch(ConsulServiceRegistry registry)
    {
        _registry = registry;
        _publisher = new WatchPublisher(registry.Name, registry.Logger);
    }

    private bool SnapshotSent => _publisher.HasSnapshot;

    private ILogger Logger => _registry.Logger;

    public async IAsyncEnumerable<RegistryEvent> RunAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _registry.Disposing);
        ConsulServiceRegistry.Log.WatchStarted(Logger, _registry.Name, _registry.Settings.DisplayAddress);
        yield return new RegistryStateEvent(RegistryConnectionState.Connecting);
        var catalog = Task.Run(() => CatalogLoopAsync(stop.Token), CancellationToken.None);
        try
        {
            while (true)
            {
                var message = await NextAsync(stop.Token, cancellationToken).ConfigureAwait(false);
                if (message is null)
                {
                    yield break;
                }

                foreach (var item in Handle(message, stop.Token))
                {
                    yield return item;
                }
            }
        }
        finally
        {
            await stop.CancelAsync().ConfigureAwait(false);
            var loops = _loops.Values.Select(static l => l.StopAsync()).Append(catalog);
            try
            {
                await Task.WhenAll(loops).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
            }
        }
    }

    /// <summary>The next message; <see langword="null"/> when the registry was disposed; throws when the caller cancelled.</summary>
    private async ValueTask<Message?> NextAsync(CancellationToken stop, CancellationToken caller)
    {
        try
        {
            return await _inbox.Reader.ReadAsync(stop).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!caller.IsCancellationRequested)
        {
            return null;
        }
    }

    private List<RegistryEvent> Handle(Message message, CancellationToken stop)
    {
        var events = new List<RegistryEvent>();
        switch (message)
        {
            case FullRead full:
                OnFullRead(full, events, stop);
                break;
            case CatalogChanged changed:
                OnCatalogChanged(changed, events, stop);
                break;
            case ServiceUpdated updated when _loops.TryGetValue(updated.Loop.Name, out var loop) && ReferenceEquals(loop, updated.Loop):
                Report(updated.Read.Skipped, events);
                Apply(updated.Loop.Name, updated.Read.Instances, updated.Read.Index, events);
                break;
            case LoopFailed failed when IsLive(failed.Loop):
                OnFailed(failed, events);
                break;
            case LoopRecovered recovered:
                Recover(recovered.Loop, events);
                break;
        }

        return events;
    }

    private void OnFullRead(FullRead full, List<RegistryEvent> events, CancellationToken stop)
    {
        foreach (var loop in _loops.Values)
        {
            _ = loop.StopAsync();
            _failing.Remove(loop);
        }

        _loops.Clear();
        Recover(this, events);
        if (_reportedState != RegistryConnectionState.Connected)
        {
            _reportedState = RegistryConnectionState.Connected;
            events.Add(new RegistryStateEvent(RegistryConnectionState.Connected));
        }

        // The snapshot carries the skipped records of the read; the publisher logs them once.
        _publisher.PublishSnapshot(ConsulServiceRegistry.ToSnapshot(full.Services, full.Skipped, full.Index), events);
        foreach (var name in full.Names)
        {
            var index = full.Services.TryGetValue(name, out var read) ? Client.ConsulIndex.Next(0, read.Index) : 0;
            StartLoop(name, index, stop);
        }
    }

    private void OnCatalogChanged(CatalogChanged changed, List<RegistryEvent> events, CancellationToken stop)
    {
        Report(changed.Skipped, events);
        var names = changed.Names.ToHashSet(StringComparer.Ordinal);
        foreach (var gone in _loops.Keys.Where(n => !names.Contains(n)).ToList())
        {
            var loop = _loops[gone];
            _loops.Remove(gone);
            _ = loop.StopAsync();
            ConsulServiceRegistry.Log.ServiceWatchStopped(Logger, _registry.Name, gone);
            Recover(loop, events);
            Apply(gone, [], null, events);
        }

        foreach (var name in changed.Names.Where(n => !_loops.ContainsKey(n)))
        {
            StartLoop(name, 0, stop);
        }
    }

    private void Apply(string service, IReadOnlyList<ServiceInstance> instances, ulong? index, List<RegistryEvent> events) =>
        _publisher.PublishService(service, instances, index?.ToString(System.Globalization.CultureInfo.InvariantCulture), events);

    /// <summary>
    /// A loop failed. The state is reported again whenever the set of failing loops changes (not on every repeat), with
    /// <see cref="RegistryStateEvent.StaleServices"/> naming the failing services — <see langword="null"/> (the whole
    /// registry) while the catalog watch fails — so the catalog marks only their instances stale.
    /// </summary>
    private void OnFailed(LoopFailed failed, List<RegistryEvent> events)
    {
        var known = _failing.ContainsKey(failed.Loop);
        _failing[failed.Loop] = failed.Error;
        var what = Describe(failed.Loop);
        var state = failed.Error.IsPermanent ? RegistryConnectionState.Failed : RegistryConnectionState.Retrying;
        if (!_failureReported || !known || (state == RegistryConnectionState.Failed && _reportedState != RegistryConnectionState.Failed))
        {
            ConsulServiceRegistry.Log.LoopFailed(Logger, _registry.Name, what, failed.RetryIn, failed.Error.Message);
            _failureReported = true;
            _reportedState = state;
            events.Add(FailureState(state, failed.Error.Message, failed.RetryIn));
        }
        else
        {
            ConsulServiceRegistry.Log.LoopFailedAgain(Logger, _registry.Name, what, failed.Error.Message);
        }
    }

    private RegistryStateEvent FailureState(RegistryConnectionState state, string error, TimeSpan? retryIn) =>
        new(state, error, retryIn)
        {
            StaleServices = _failing.ContainsKey(this) ? null : [.. _failing.Keys.OfType<ServiceLoop>().Select(static l => l.Name).Order(StringComparer.Ordinal)],
        };

    private void Recover(object loop, List<RegistryEvent> events)
    {
        var removed = _failing.Remove(loop);
        if (removed && _failing.Count > 0 && _failureReported)
        {
            // Still failing elsewhere: report the smaller set, so the recovered part is current again.
            var (_, error) = _failing.First();
            var state = _failing.Values.Any(static e => e.IsPermanent) ? RegistryConnectionState.Failed : RegistryConnectionState.Retrying;
            _reportedState = state;
            events.Add(FailureState(state, error.Message, null));
            return;
        }

        if (_failing.Count == 0 && _failureReported)
        {
            _failureReported = false;
            if (SnapshotSent)
            {
                ConsulServiceRegistry.Log.Recovered(Logger, _registry.Name);
                _reportedState = RegistryConnectionState.Connected;
                events.Add(new RegistryStateEvent(RegistryConnectionState.Connected));
            }
        }
    }

    private void Report(IReadOnlyList<SkippedRecord> skipped, List<RegistryEvent> events) => _publisher.PublishSkipped(skipped, events);

    private bool IsLive(object loop) => loop == this || (loop is ServiceLoop service && _loops.TryGetValue(service.Name, out var live) && ReferenceEquals(live, service));

    private static string Describe(object loop) => loop is ServiceLoop service ? $"the watch of service '{service.Name}'" : "the catalog watch";
}
