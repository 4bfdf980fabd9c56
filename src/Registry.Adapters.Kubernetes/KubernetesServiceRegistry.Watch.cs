using System.Globalization;
using System.Runtime.ExceptionServices;
using System.Text.Json;
using System.Threading.Channels;
using k8s;

namespace Registry.Adapters.Kubernetes;

/// <summary>One watch request of a stream, up to its end: a clean close, an expired version, or a fault.</summary>
internal sealed partial class KubernetesServiceRegistry
{
    private async Task<WatchResult> WatchOnceAsync(
        IKubernetes client, ResourceStream stream, string resourceVersion, ChannelWriter<StreamMessage> writer, bool recovering, CancellationToken token)
    {
        using var watchCts = CancellationTokenSource.CreateLinkedTokenSource(token);
        var expired = false;
        Exception? failure = null;
        var events = 0;
        void OnError(Exception ex)
        {
            if (ex is KubernetesException { Status: { } status })
            {
                // An ERROR event carrying a Status: 410 means the version is too old; anything else ends this watch.
                if (status.Code == 410)
                {
                    expired = true;
                }
                else
                {
                    failure = ex;
                }

                watchCts.Cancel();
                return;
            }

            var record = new SkippedRecord($"{stream.Resource} watch {stream.Scope}", $"malformed watch event skipped ({ex.GetType().Name}: {ServiceInstanceValidator.Printable(ex.Message, 160)})");
            writer.TryWrite(new StreamMessage.Skipped(stream, record));
        }

        var timeoutSeconds = (int)Math.Ceiling(_options.WatchTimeout.TotalSeconds);
        try
        {
            await foreach (var (type, item) in stream.WatchAsync(client, resourceVersion, _options.LabelSelector, timeoutSeconds, OnError, watchCts.Token).ConfigureAwait(false))
            {
                if (events++ == 0 && recovering)
                {
                    Log.Recovered(_logger, Name, stream.Description);
                    writer.TryWrite(new StreamMessage.Recovered(stream));
                }

                _metrics.Event(stream.Resource);
                var itemVersion = item?.Metadata?.ResourceVersion;
                if (type == WatchEventType.Bookmark)
                {
                    resourceVersion = string.IsNullOrEmpty(itemVersion) ? resourceVersion : itemVersion;
                    continue;
                }

                if (type is not (WatchEventType.Added or WatchEventType.Modified or WatchEventType.Deleted) || item?.Metadata?.Name is null)
                {
                    var record = new SkippedRecord(
                        $"{stream.Resource} watch {stream.Scope}",
                        $"{type.ToString().ToUpperInvariant()} event without a usable object skipped");
                    writer.TryWrite(new StreamMessage.Skipped(stream, record));
                    continue;
                }

                writer.TryWrite(new StreamMessage.Changed(stream, type == WatchEventType.Deleted, item));
                resourceVersion = string.IsNullOrEmpty(itemVersion) ? resourceVersion : itemVersion;
            }
        }
        catch (OperationCanceledException) when (!token.IsCancellationRequested && (expired || failure is not null))
        {
        }
        catch (JsonException ex) when (!expired && failure is null)
        {
            return new WatchResult(resourceVersion, Expired: false, events, ex);
        }
        catch (HttpRequestException ex) when (events == 0 && IsEmptyStream(ex))
        {
            // The client peeks the first line before it returns; a watch that the server ends before any event
            // (timeoutSeconds on a quiet cluster) surfaces as "Error while copying content": a clean end.
            return new WatchResult(resourceVersion, Expired: false, 0);
        }

        if (failure is not null)
        {
            ExceptionDispatchInfo.Throw(failure);
        }

        return new WatchResult(expired ? null : resourceVersion, expired, events);
    }

    private static bool IsEmptyStream(Exception ex)
    {
        for (var inner = ex.InnerException; inner is not null; inner = inner.InnerException)
        {
            if (inner is EndOfStreamException)
            {
                return true;
            }
        }

        return false;
    }

    private sealed record WatchResult(string? ResourceVersion, bool Expired, int Events, JsonException? Malformed = null)
    {
        public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Events} events, rv {ResourceVersion}, expired {Expired}");
    }
}
