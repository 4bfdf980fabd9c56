using System.Runtime.ExceptionServices;
using System.Threading.Channels;
using k8s;
using k8s.Models;

namespace Registry.Adapters.Kubernetes;

/// <summary>The list-and-watch loop of one <see cref="ResourceStream"/>, feeding the watch session.</summary>
internal sealed partial class KubernetesServiceRegistry
{
    private const int MaxListRestarts = 3;

    private async Task RunStreamAsync(IKubernetes client, ResourceStream stream, ChannelWriter<StreamMessage> writer, CancellationToken token)
    {
        var backoff = _options.Reconnect.CreateBackoff();
        string? resourceVersion = null;
        var listedOnce = false;
        var faulted = false;
        var watchDenied = false;
        var gone = 0;
        string? malformedAt = null;
        var verb = "list";
        while (!token.IsCancellationRequested)
        {
            try
            {
                if (resourceVersion is null)
                {
                    verb = "list";
                    var started = _timeProvider.GetTimestamp();
                    var (items, listVersion) = await TracedListAsync(client, stream, listedOnce ? Registry.Adapters.Backends.RegistryTracing.Resync : Registry.Adapters.Backends.RegistryTracing.Read, token).ConfigureAwait(false);
                    _metrics.Listed(_timeProvider.GetElapsedTime(started), stream.Resource);
                    if (listedOnce)
                    {
                        _metrics.Resynced(stream.Resource);
                    }

                    resourceVersion = listVersion ?? string.Empty;
                    Log.Listed(_logger, Name, stream.Description, items.Count, listVersion);
                    writer.TryWrite(new StreamMessage.Listed(stream, items, listedOnce));
                    listedOnce = true;
                }
                else if (faulted)
                {
                    // The watch call only returns once a first event arrives; a one-item list proves the server is back now.
                    verb = "list";
                    await stream.ListAsync(client, null, 1, _options.LabelSelector, token).ConfigureAwait(false);
                }

                // A list proves list access; when it was the watch that was refused (403/401), only a watch that works does.
                if (faulted && !watchDenied)
                {
                    faulted = false;
                    Log.Recovered(_logger, Name, stream.Description);
                    writer.TryWrite(new StreamMessage.Recovered(stream));
                }

                if (gone == 0)
                {
                    // While watches keep expiring without events, the relist delay keeps growing.
                    backoff.Reset();
                }

                verb = "watch";
                var result = await WatchOnceAsync(client, stream, resourceVersion, writer, faulted, token).ConfigureAwait(false);
                if (faulted && result.Events == 0)
                {
                    // Accepted and ended without events: the watch works again (with events, the first one said so).
                    Log.Recovered(_logger, Name, stream.Description);
                    writer.TryWrite(new StreamMessage.Recovered(stream));
                }

                faulted = false;
                watchDenied = false;

                if (result.Expired)
                {
                    Log.Expired(_logger, Name, stream.Description, resourceVersion);
                    resourceVersion = null;
                    gone = result.Events > 0 ? 0 : gone + 1;

                    // An old version expiring once is normal: relist at once. Expiring again with no event in
                    // between (right after a relist) means the server keeps saying Expired: back off, never spin.
                    if (gone > 1 && !await DelayAsync(backoff.NextDelay(), token).ConfigureAwait(false))
                    {
                        break;
                    }

                    continue;
                }

                resourceVersion = result.ResourceVersion;
                gone = 0;
                if (result.Malformed is { } malformed)
                {
                    // The client ends the stream on a line it cannot parse. Resume from the last good version once;
                    // the same failure at the same version again is an object the client cannot read: a fault.
                    if (string.Equals(malformedAt, resourceVersion, StringComparison.Ordinal))
                    {
                        ExceptionDispatchInfo.Throw(malformed);
                    }

                    malformedAt = resourceVersion;
                    var record = new SkippedRecord($"{stream.Resource} watch {stream.Scope}", $"malformed watch event skipped ({malformed.GetType().Name}: {ServiceInstanceValidator.Printable(malformed.Message, 160)})");
                    writer.TryWrite(new StreamMessage.Skipped(stream, record));
                    continue;
                }

                Log.WatchClosed(_logger, Name, stream.Description, result.Events, resourceVersion);
                if (result.Events == 0 && !await DelayAsync(_options.Reconnect.InitialDelay, token).ConfigureAwait(false))
                {
                    break;
                }
            }
            catch (OperationCanceledException) when (token.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex) when (KubernetesErrors.IsGone(ex) && ++gone <= MaxListRestarts)
            {
                // An HTTP 410 on the watch request itself (served outside the watch cache): relist.
                Log.Expired(_logger, Name, stream.Description, resourceVersion);
                resourceVersion = null;
            }
            catch (Exception ex)
            {
                gone = 0;
                var (error, permanent) = KubernetesErrors.Describe(ex, verb, stream, client.BaseUri);
                var delay = permanent ? _options.Reconnect.MaxDelay : backoff.NextDelay();
                faulted = true;
                watchDenied = permanent && verb == "watch";
                _metrics.Failed(stream.Resource);
                Log.StreamFaulted(_logger, Name, stream.Description, error, delay);
                writer.TryWrite(new StreamMessage.Faulted(stream, error, permanent, delay));
                if (!await DelayAsync(delay, token).ConfigureAwait(false))
                {
                    break;
                }
            }
        }
    }

    /// <summary>Lists every page (limit/continue); an expired continue token (410) restarts the list from scratch.</summary>
    private async Task<(IReadOnlyList<IKubernetesObject<V1ObjectMeta>> Items, string? ResourceVersion)> ListAllAsync(
        IKubernetes client, ResourceStream stream, CancellationToken token)
    {
        for (var attempt = 1; ; attempt++)
        {
            var items = new List<IKubernetesObject<V1ObjectMeta>>();
            string? continueToken = null;
            string? resourceVersion = null;
            try
            {
                do
                {
                    var page = await stream.ListAsync(client, continueToken, _options.PageSize, _options.LabelSelector, token).ConfigureAwait(false);
                    items.AddRange(page.Items);
                    resourceVersion ??= page.ResourceVersion;
                    continueToken = page.Continue;
                }
                while (!string.IsNullOrEmpty(continueToken));

                return (items, resourceVersion);
            }
            catch (Exception ex) when (continueToken is not null && KubernetesErrors.IsGone(ex) && attempt < MaxListRestarts)
            {
                Log.ContinueExpired(_logger, Name, stream.Description, attempt);
            }
        }
    }
}
