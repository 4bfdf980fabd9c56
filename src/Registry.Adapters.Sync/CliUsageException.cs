namespace Registry.Adapters.Sync;

/// <summary>Bad usage or configuration: the console prints the message as one line and exits with 2.</summary>
internal sealed class CliUsageException : Exception
{
    public CliUsageException()
    {
    }

    public CliUsageException(string message)
        : base(message)
    {
    }

    public CliUsageException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }
}
