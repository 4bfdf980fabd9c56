namespace Registry.Adapters.Backends;

/// <summary>
/// The HTTP handler every HTTP backend sends through. It bounds the time to the response headers
/// (<see cref="HttpLimits.HeadersTimeout"/>), the time between bytes of a body (<see cref="HttpLimits.BodyIdleTimeout"/>)
/// and the size of a body (<see cref="HttpLimits.MaxResponseBytes"/>, after decompression), each separately from a blocking
/// query's own wait, so a server or proxy that stalls becomes an <see cref="HttpStallException"/> (an
/// <see cref="IOException"/>) within seconds instead of freezing a watch for its whole budget.
/// </summary>
/// <remarks>
/// A response body is read (bounded, in fresh chunks, see <see cref="BoundedBody"/>) before the response is returned,
/// unless the request's limits set <see cref="HttpLimits.PerLine"/> (a watch): then the body streams, each read bounded by
/// the idle timeout and each line by the size cap. Limits come from the request (<see cref="HttpLimits.ApplyTo"/>), else
/// from the selector given to the constructor, else from the handler's defaults. Put TCP keep-alive on the innermost
/// handler with <see cref="BackendSockets.CreateHandler"/> or <see cref="BackendSockets.EnableTcpKeepAlive(SocketsHttpHandler)"/>.
/// </remarks>
public sealed class GuardedHttpHandler : DelegatingHandler
{
    private readonly HttpLimits _defaults;
    private readonly TimeProvider _time;
    private readonly Func<HttpRequestMessage, HttpLimits, HttpLimits>? _select;

    /// <summary>Creates the handler.</summary>
    /// <param name="innerHandler">The handler that sends (usually from <see cref="BackendSockets.CreateHandler"/>, or a test's).</param>
    /// <param name="defaults">The limits of a request that carries none.</param>
    /// <param name="timeProvider">The clock of the timeouts. <value>The default value is <see cref="TimeProvider.System"/>.</value></param>
    /// <param name="select">Picks the limits of a request from the defaults (a Kubernetes watch streams), or <see langword="null"/>.</param>
    public GuardedHttpHandler(
        HttpMessageHandler innerHandler,
        HttpLimits defaults,
        TimeProvider? timeProvider = null,
        Func<HttpRequestMessage, HttpLimits, HttpLimits>? select = null)
        : base(innerHandler)
    {
        ArgumentNullException.ThrowIfNull(defaults);
        _defaults = defaults;
        _time = timeProvider ?? TimeProvider.System;
        _select = select;
    }

    /// <inheritdoc/>
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var limits = request.Options.TryGetValue(HttpLimits.OptionKey, out var own) ? own : _select?.Invoke(request, _defaults) ?? _defaults;
        HttpResponseMessage response;
        using (var headers = new CancellationTokenSource(limits.HeadersTimeout, _time))
        using (var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, headers.Token))
        {
            try
            {
                response = await base.SendAsync(request, linked.Token).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is OperationCanceledException or HttpRequestException or IOException
                && headers.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
            {
                throw new HttpStallException($"no response headers within {GuardedReadStream.Seconds(limits.HeadersTimeout)} s", ex);
            }
        }

        if (response.Content is null or BufferedBodyContent)
        {
            return response;
        }

        var original = response.Content;
        if (limits.PerLine)
        {
            response.Content = new GuardedStreamContent(original, limits, _time);
            return response;
        }

        try
        {
            byte[] body;
            if (original.Headers.ContentLength is { } declared && declared > limits.MaxResponseBytes)
            {
                throw new HttpResponseTooLargeException(GuardedReadStream.Declared(declared, limits.MaxResponseBytes));
            }

            var stream = await original.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
            var guarded = new GuardedReadStream(stream, limits, _time);
            await using (guarded.ConfigureAwait(false))
            {
                body = await BoundedBody.ReadAsBytesAsync(guarded, limits.MaxResponseBytes, original.Headers.ContentEncoding.Count == 0 ? original.Headers.ContentLength : null, cancellationToken).ConfigureAwait(false);
            }

            response.Content = new BufferedBodyContent(body, original);
            original.Dispose();
            return response;
        }
        catch
        {
            response.Dispose();
            throw;
        }
    }
}
