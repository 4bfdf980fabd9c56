using System.Globalization;

namespace Registry.Adapters.Backends;

/// <summary>
/// A read-only view of a response body that fails with <see cref="HttpStallException"/> when one read waits longer than
/// <see cref="HttpLimits.BodyIdleTimeout"/>, and with <see cref="HttpResponseTooLargeException"/> as soon as more than
/// <see cref="HttpLimits.MaxResponseBytes"/> have been read (in total, or since the last newline for a line stream).
/// </summary>
internal sealed class GuardedReadStream : Stream
{
    private readonly Stream _inner;
    private readonly HttpLimits _limits;
    private readonly TimeProvider _time;
    private CancellationTokenSource _idle;
    private long _counted;
    private long _position;

    public GuardedReadStream(Stream inner, HttpLimits limits, TimeProvider time)
    {
        _inner = inner;
        _limits = limits;
        _time = time;
        _idle = new CancellationTokenSource(Timeout.InfiniteTimeSpan, time);
    }

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => _position;
        set => throw new NotSupportedException();
    }

    public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    public override int Read(Span<byte> buffer)
    {
        var rented = new byte[buffer.Length];
        var read = Read(rented, 0, rented.Length);
        rented.AsSpan(0, read).CopyTo(buffer);
        return read;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (!_idle.TryReset())
        {
            _idle.Dispose();
            _idle = new CancellationTokenSource(Timeout.InfiniteTimeSpan, _time);
        }

        _idle.CancelAfter(_limits.BodyIdleTimeout);
        int read;
        using (var linked = cancellationToken.CanBeCanceled ? CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _idle.Token) : null)
        {
            try
            {
                read = await _inner.ReadAsync(buffer, linked?.Token ?? _idle.Token).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is OperationCanceledException or IOException && _idle.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
            {
                throw new HttpStallException(Stalled(_limits.BodyIdleTimeout), ex);
            }
        }

        _idle.CancelAfter(Timeout.InfiniteTimeSpan);
        Count(buffer.Span[..read]);
        return read;
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    internal static string Stalled(TimeSpan idle) =>
        $"the response body stalled: no byte for {Seconds(idle)} s (BodyIdleTimeout)";

    internal static string TooLarge(long max, bool perLine) => perLine
        ? $"a line of the response stream is larger than MaxResponseBytes ({max.ToString(CultureInfo.InvariantCulture)} bytes)"
        : $"the response body is larger than MaxResponseBytes ({max.ToString(CultureInfo.InvariantCulture)} bytes); raise MaxResponseBytes if the registry really is that large";

    internal static string Declared(long declared, long max) =>
        $"the response body declares {declared.ToString(CultureInfo.InvariantCulture)} bytes, more than MaxResponseBytes ({max.ToString(CultureInfo.InvariantCulture)} bytes); raise MaxResponseBytes if the registry really is that large";

    internal static string Seconds(TimeSpan value) => value.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture);

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _idle.Dispose();
            _inner.Dispose();
        }

        base.Dispose(disposing);
    }

    public override async ValueTask DisposeAsync()
    {
        _idle.Dispose();
        await _inner.DisposeAsync().ConfigureAwait(false);
        await base.DisposeAsync().ConfigureAwait(false);
    }

    private void Count(ReadOnlySpan<byte> data)
    {
        _position += data.Length;
        if (_limits.PerLine)
        {
            var newline = data.LastIndexOf((byte)'\n');
            _counted = newline < 0 ? _counted + data.Length : data.Length - newline - 1;
        }
        else
        {
            _counted += data.Length;
        }

        if (_counted > _limits.MaxResponseBytes)
        {
            throw new HttpResponseTooLargeException(TooLarge(_limits.MaxResponseBytes, _limits.PerLine));
        }
    }
}
