using System.Diagnostics.Metrics;
using System.Runtime.CompilerServices;
using System.Threading.Channels;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Registry.Adapters.Kubernetes;

/// <summary>
/// Discovery from Kubernetes: an informer-style list and watch of EndpointSlices and Services (cluster-wide,
/// or per configured namespace), merged per Service into instances named <c>{service}.{namespace}</c>.
/// </summary>
internal sealed partial class KubernetesServiceRegistry : IServiceRegistry
{
    private readonly KubernetesRegistryOptions _options;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private readonly KubernetesMetrics _metrics;
    private readonly IReadOnlyList<ResourceStream> _streams;
    private readonly CancellationTokenSource _disposed = new();
    private readonly Lock _gate = new();
    private IKubernetes? _client;

    public KubernetesServiceRegistry(
        string name, KubernetesRegistryOptions options, TimeProvider? timeProvider = null, ILoggerFactory? loggerFactory = null, IMeterFactory? meterFactory = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(options);
        Name = name;
        _options = options;
        _timeProvider = timeProvider ?? TimeProvider.System;
        _logger = (loggerFactory ?? NullLoggerFactory.Instance).CreateLogger("Registry.Adapters.Kubernetes");
        _streams = ResourceStream.For(options);
        _metrics = new KubernetesMetrics(meterFactory, name);
    }

    public string Name { get; }

    public string Kind => KubernetesRegistryProvider.KindName;

    public async Task<RegistrySnapshot> ReadAsync(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed.IsCancellationRequested, this);
        var client = GetClient();
        var view = new KubernetesView();
        foreach (var stream in _streams)
        {
            IReadOnlyList<IKubernetesObject<V1ObjectMeta>> items;
            try
            {
                (items, _) = await TracedListAsync(client, stream, Registry.Adapters.Backends.RegistryTracing.Read, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                var (error, permanent) = KubernetesErrors.Describe(ex, "list", stream, client.BaseUri);
                throw new RegistryException(error, null) { IsPermanent = permanent };
            }

            Replace(view, stream, items);
        }

        return view.Snapshot();
    }

    public async IAsyncEnumerable<RegistryEvent> WatchAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed.IsCancellationRequested, this);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _disposed.Token);
        var token = stop.Token;
        yield return new RegistryStateEvent(RegistryConnectionState.Connecting);

        IKubernetes? client;
        while (!TryGetClient(out client, out var error))
        {
            yield return new RegistryStateEvent(RegistryConnectionState.Failed, error, _options.Reconnect.MaxDelay);
            if (!await DelayAsync(_options.Reconnect.MaxDelay, token).ConfigureAwait(false))
            {
                yield break;
            }
        }

        var channel = Channel.CreateUnbounded<StreamMessage>(new UnboundedChannelOptions { SingleReader = true });
        var session = new WatchSession(this, _streams.Count);
        var tasks = _streams.Select(stream => Task.Run(() => RunStreamAsync(client, stream, channel.Writer, token), CancellationToken.None)).ToArray();
        try
        {
            var output = new List<RegistryEvent>();
            while (await WaitToReadAsync(channel.Reader, token).ConfigureAwait(false))
            {
                // Drain what has arrived and merge once: a burst of slice events (a rolling update) becomes one change per service.
                while (channel.Reader.TryRead(out var message))
                {
                    session.Handle(message, output);
                }

                session.Flush(output);
                foreach (var item in output)
                {
                    yield return item;
                }

                output.Clear();
            }
        }
        finally
        {
            await stop.CancelAsync().ConfigureAwait(false);
            await Task.WhenAll(tasks).ConfigureAwait(false);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_disposed.IsCancellationRequested)
        {
            return;
        }

        await _disposed.CancelAsync().ConfigureAwait(false);
        lock (_gate)
        {
            if (_options.ClientFactory is null)
            {
                (_client as IDisposable)?.Dispose();
            }

            _client = null;
        }
    }

    internal static List<SkippedRecord> Replace(KubernetesView view, ResourceStream stream, IReadOnlyList<IKubernetesObject<V1ObjectMeta>> items) =>
        stream.Resource == "services"
            ? view.ReplaceServices(stream.Namespace, [.. items.OfType<V1Service>()])
            : view.ReplaceSlices(stream.Namespace, [.. items.OfType<V1EndpointSlice>()]);

    private IKubernetes GetClient()
    {
        if (TryGetClient(out var client, out var error))
        {
            return client;
        }

        throw new RegistryException(error) { IsPermanent = true };
    }

    private bool TryGetClient([System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out IKubernetes? client, out string error)
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed.IsCancellationRequested, this);
            try
            {
                _client ??= KubernetesClientFactory.Create(_options, _timeProvider);
                client = _client;
                error = string.Empty;
                return true;
            }
            catch (RegistryException ex)
            {
                Log.ClientFailed(_logger, Name, ex.Message);
                client = null;
                error = ex.Message;
                return false;
            }
        }
    }

    private async Task<bool> DelayAsync(TimeSpan delay, CancellationToken cancellationToken)
    {
        try
        {
            await Task.Delay(delay, _timeProvider, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    private static async Task<bool> WaitToReadAsync(ChannelReader<StreamMessage> reader, CancellationToken cancellationToken)
    {
        try
        {
            return await reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }
}
