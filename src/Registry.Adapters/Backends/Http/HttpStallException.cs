namespace Registry.Adapters.Backends;

/// <summary>
/// A server that stopped answering part-way: no response headers within <see cref="HttpLimits.HeadersTimeout"/>, or no
/// byte of the body for <see cref="HttpLimits.BodyIdleTimeout"/>. An <see cref="IOException"/>, so a backend that retries on
/// I/O faults retries on it.
/// </summary>
public sealed class HttpStallException : IOException
{
    /// <summary>Creates the exception.</summary>
    public HttpStallException()
    {
    }

    /// <summary>Creates the exception.</summary>
    /// <param name="message">What stalled and for how long.</param>
    public HttpStallException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception.</summary>
    /// <param name="message">What stalled and for how long.</param>
    /// <param name="innerException">The cancellation that ended the wait.</param>
    public HttpStallException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
