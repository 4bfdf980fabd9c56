namespace Registry.Adapters.Backends;

/// <summary>A body that <see cref="GuardedHttpHandler"/> read (bounded) before returning the response.</summary>
internal sealed class BufferedBodyContent : ByteArrayContent
{
    public BufferedBodyContent(byte[] body, HttpContent original)
        : base(body)
    {
        Body = body;
        foreach (var header in original.Headers)
        {
            if (!string.Equals(header.Key, "Content-Length", StringComparison.OrdinalIgnoreCase))
            {
                Headers.TryAddWithoutValidation(header.Key, header.Value);
            }
        }

        Headers.ContentLength = body.LongLength;
    }

    public byte[] Body { get; }
}
