namespace Registry.Adapters;

/// <summary>A registry could not be read or written. The message is safe to show: it never carries a secret.</summary>
public class RegistryException : Exception
{
    /// <summary>Creates the exception.</summary>
    public RegistryException()
    {
    }

    /// <summary>Creates the exception.</summary>
    /// <param name="message">What went wrong.</param>
    public RegistryException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception.</summary>
    /// <param name="message">What went wrong.</param>
    /// <param name="innerException">The cause.</param>
    public RegistryException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    /// <summary><see langword="true"/> when retrying cannot help (bad credentials, missing permission, bad configuration).</summary>
    public bool IsPermanent { get; init; }
}
