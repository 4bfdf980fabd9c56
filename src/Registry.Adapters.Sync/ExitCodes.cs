namespace Registry.Adapters.Sync;

/// <summary>The exit codes of <c>mesh-sync</c>.</summary>
internal static class ExitCodes
{
    /// <summary>Every registry synced.</summary>
    public const int Ok = 0;

    /// <summary>An unexpected error (a bug).</summary>
    public const int Crash = 1;

    /// <summary>Bad usage or configuration.</summary>
    public const int Usage = 2;

    /// <summary>Some registry could not be read; the others were printed.</summary>
    public const int RegistryFailed = 3;

    /// <summary><c>list</c> was interrupted (Ctrl+C, SIGTERM) before it could print: 130, the shell's convention for SIGINT.</summary>
    public const int Interrupted = 130;
}
