namespace Registry.Adapters.Backends;

/// <summary>
/// A response body (or, for a line-delimited stream, one line) larger than <see cref="HttpLimits.MaxResponseBytes"/>,
/// counted after decompression. Reading stops at the cap, so the body costs at most about the cap. An
/// <see cref="IOException"/>, so a backend treats it as that server failing.
/// </summary>
public sealed class HttpResponseTooLargeException : IOException
{
    /// <summary>Creates the exception.</summary>
    public HttpResponseTooLargeException()
    {
    }

    /// <summary>Creates the exception.</summary>
    /// <param name="message">The message.</param>
    public HttpResponseTooLargeException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception.</summary>
    /// <param name="message">The message.</param>
    /// <param name="innerException">The cause.</param>
    public HttpResponseTooLargeException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
