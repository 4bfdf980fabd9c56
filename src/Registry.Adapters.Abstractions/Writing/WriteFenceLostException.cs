namespace Registry.Adapters;

/// <summary>A write was refused because the writer's leadership fence no longer holds: another replica leads now.</summary>
public sealed class WriteFenceLostException : RegistryException
{
    /// <summary>Creates the exception.</summary>
    public WriteFenceLostException()
        : base("leadership was lost; the write was not applied")
    {
    }

    /// <summary>Creates the exception.</summary>
    /// <param name="message">What went wrong.</param>
    public WriteFenceLostException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception.</summary>
    /// <param name="message">What went wrong.</param>
    /// <param name="innerException">The cause.</param>
    public WriteFenceLostException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }
}
