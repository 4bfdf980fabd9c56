using System.Globalization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Hosting;

namespace Registry.Adapters.Sync.Serve;

/// <summary><c>GET /v1/watch</c>: Server-Sent Events, resumable with <c>Last-Event-ID</c>.</summary>
internal static class SseEndpoint
{
    public static async Task RunAsync(HttpContext context, WatchHub hub, IHostApplicationLifetime lifetime)
    {
        var subscription = hub.Subscribe(LastEventId(context.Request));
        if (subscription is null)
        {
            context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
            context.Response.Headers.RetryAfter = "5";
            await ServeResults.WriteErrorAsync(context, "too many /v1/watch clients").ConfigureAwait(false);
            return;
        }

        using var client = subscription.Client;
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, lifetime.ApplicationStopping);
        var response = context.Response;
        response.ContentType = "text/event-stream; charset=utf-8";
        response.Headers.CacheControl = "no-cache, no-store";
        response.Headers["X-Accel-Buffering"] = "no";
        context.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
        var body = response.Body;
        try
        {
            await body.WriteAsync(WatchEvents.Retry, stop.Token).ConfigureAwait(false);
            if (subscription.Snapshot is { } snapshot)
            {
                await body.WriteAsync(WatchEvents.Snapshot(snapshot, subscription.Registries!), stop.Token).ConfigureAwait(false);
            }

            foreach (var encoded in subscription.Replay)
            {
                await body.WriteAsync(encoded, stop.Token).ConfigureAwait(false);
            }

            await body.FlushAsync(stop.Token).ConfigureAwait(false);

            // From here the hub writes each event into this response itself, without a task per client and event.
            client.Attach(response.BodyWriter);
            await client.Ended.WaitAsync(stop.Token).ConfigureAwait(false);
        }
        catch (SlowClientException)
        {
            // Close the connection: the browser's EventSource reconnects and resumes from its Last-Event-ID.
            context.Abort();
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
        }
        finally
        {
            // No write of the hub may reach this response once the request is over.
            await client.DetachAsync().ConfigureAwait(false);
        }
    }

    private static long? LastEventId(HttpRequest request)
    {
        var value = request.Headers["Last-Event-ID"].ToString();
        if (value.Length == 0)
        {
            value = request.Query["lastEventId"].ToString();
        }

        return long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var id) ? id : null;
    }
}
