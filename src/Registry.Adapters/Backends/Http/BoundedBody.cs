namespace Registry.Adapters.Backends;

/// <summary>
/// Reads a response body into one array, never more than a cap: a declared <c>Content-Length</c> over the cap fails before
/// reading, otherwise the body is read in small fresh chunks (never a pooled or doubling buffer) and fails as soon as it
/// passes the cap. A refused body therefore costs at most about the cap, transiently, and nothing of it stays reachable.
/// A body that <see cref="GuardedHttpHandler"/> already buffered is returned without a copy.
/// </summary>
public static class BoundedBody
{
    private const int ChunkSize = 64 * 1024;

    /// <summary>Reads the whole body of <paramref name="content"/>.</summary>
    /// <param name="content">The response content.</param>
    /// <param name="maxBytes">The cap, in bytes (after decompression).</param>
    /// <param name="cancellationToken">Stops the read.</param>
    /// <returns>The body.</returns>
    /// <exception cref="HttpResponseTooLargeException">The body is larger than <paramref name="maxBytes"/>.</exception>
    public static async Task<byte[]> ReadAsBytesAsync(HttpContent content, long maxBytes, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(content);
        if (content is BufferedBodyContent buffered)
        {
            return buffered.Body.LongLength <= maxBytes
                ? buffered.Body
                : throw new HttpResponseTooLargeException(GuardedReadStream.TooLarge(maxBytes, perLine: false));
        }

        if (content.Headers.ContentLength is { } declared && declared > maxBytes)
        {
            throw new HttpResponseTooLargeException(GuardedReadStream.Declared(declared, maxBytes));
        }

        var stream = await content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        await using (stream.ConfigureAwait(false))
        {
            return await ReadAsBytesAsync(stream, maxBytes, content.Headers.ContentEncoding.Count == 0 ? content.Headers.ContentLength : null, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Reads <paramref name="stream"/> to its end into one array.</summary>
    /// <param name="stream">The body stream.</param>
    /// <param name="maxBytes">The cap, in bytes.</param>
    /// <param name="expectedLength">The declared length when known (used to size the array), else <see langword="null"/>.</param>
    /// <param name="cancellationToken">Stops the read.</param>
    /// <returns>The body.</returns>
    /// <exception cref="HttpResponseTooLargeException">The body is larger than <paramref name="maxBytes"/>.</exception>
    public static async Task<byte[]> ReadAsBytesAsync(Stream stream, long maxBytes, long? expectedLength, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(stream);
        var chunks = new List<byte[]>();
        var first = expectedLength is { } length && length <= maxBytes && length <= Array.MaxLength ? (int)length : ChunkSize;
        var current = new byte[Math.Max(first, 1)];
        var filled = 0;
        long total = 0;
        while (true)
        {
            if (filled == current.Length)
            {
                chunks.Add(current);
                current = new byte[ChunkSize];
                filled = 0;
            }

            var read = await stream.ReadAsync(current.AsMemory(filled), cancellationToken).ConfigureAwait(false);
            if (read == 0)
            {
                break;
            }

            filled += read;
            total += read;
            if (total > maxBytes)
            {
                chunks.Clear();
                throw new HttpResponseTooLargeException(GuardedReadStream.TooLarge(maxBytes, perLine: false));
            }
        }

        if (chunks.Count == 0 && filled == current.Length)
        {
            return current;
        }

        if (chunks.Count == 1 && filled == 0 && chunks[0].LongLength == total)
        {
            return chunks[0];
        }

        var body = new byte[total];
        var offset = 0;
        foreach (var chunk in chunks)
        {
            chunk.CopyTo(body, offset);
            offset += chunk.Length;
        }

        current.AsSpan(0, filled).CopyTo(body.AsSpan(offset));
        return body;
    }
}
