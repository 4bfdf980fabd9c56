using System.Net;

namespace Registry.Adapters.Backends;

/// <summary>A streamed body (a watch) read through a <see cref="GuardedReadStream"/>.</summary>
internal sealed class GuardedStreamContent : HttpContent
{
    private readonly HttpContent _inner;
    private readonly HttpLimits _limits;
    private readonly TimeProvider _time;

    public GuardedStreamContent(HttpContent inner, HttpLimits limits, TimeProvider time)
    {
        _inner = inner;
        _limits = limits;
        _time = time;
        foreach (var header in inner.Headers)
        {
            Headers.TryAddWithoutValidation(header.Key, header.Value);
        }
    }

    protected override async Task<Stream> CreateContentReadStreamAsync(CancellationToken cancellationToken) =>
        new GuardedReadStream(await _inner.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false), _limits, _time);

    protected override Task<Stream> CreateContentReadStreamAsync() => CreateContentReadStreamAsync(CancellationToken.None);

    protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) =>
        SerializeToStreamAsync(stream, context, CancellationToken.None);

    protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken)
    {
        var body = await CreateContentReadStreamAsync(cancellationToken).ConfigureAwait(false);
        await using (body.ConfigureAwait(false))
        {
            await body.CopyToAsync(stream, cancellationToken).ConfigureAwait(false);
        }
    }

    protected override bool TryComputeLength(out long length)
    {
        length = 0;
        return false;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _inner.Dispose();
        }

        base.Dispose(disposing);
    }
}
