namespace Registry.Adapters;

/// <summary>Options of the File registry (kind <c>file</c>): a JSON catalog file in the shape of <c>mesh-sync list --output json</c>.</summary>
public sealed class FileRegistryOptions : Registry.Adapters.Backends.IRegistryOptions
{
    /// <summary>The default largest file read: 16 MiB.</summary>
    public const long DefaultMaxFileSizeBytes = 16L * 1024 * 1024;

    /// <summary>The catalog file. A relative path is relative to the current directory. Required.</summary>
    public string? Path { get; set; }

    /// <summary>
    /// How often the file is checked when no file-system notification arrives (network shares, exhausted
    /// inotify instances). A check that finds the same size and time stamp reads nothing.
    /// <value>The default value is 2 seconds.</value>
    /// </summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// How long to wait after a file-system notification before reading, so that an editor's burst of
    /// writes is read once. <value>The default value is 50 milliseconds.</value>
    /// </summary>
    public TimeSpan ChangeDelay { get; set; } = TimeSpan.FromMilliseconds(50);

    /// <summary>A larger file is not read; the registry reports the error and keeps its last good content. <value>The default value is 16 MiB.</value></summary>
    public long MaxFileSizeBytes { get; set; } = DefaultMaxFileSizeBytes;

    /// <summary>Whether to use a <see cref="System.IO.FileSystemWatcher"/>; when <see langword="false"/> the file is only polled. <value>The default value is <see langword="true"/>.</value></summary>
    public bool UseFileSystemWatcher { get; set; } = true;

    /// <summary>Checks the options.</summary>
    /// <param name="settingPrefix">The configuration path of the registry (<c>Mesh:Registries:0</c>), for the messages.</param>
    /// <returns>What is wrong, with the fix; empty when valid.</returns>
    public IReadOnlyList<string> Validate(string settingPrefix)
    {
        var errors = new List<string>();
        if (string.IsNullOrWhiteSpace(Path))
        {
            errors.Add($"{settingPrefix}:Path is missing. Set it to the catalog file (JSON in the shape of 'mesh-sync list --output json').");
        }

        if (PollInterval <= TimeSpan.Zero)
        {
            errors.Add($"{settingPrefix}:PollInterval is {PollInterval}; set a positive interval such as 00:00:02.");
        }

        if (ChangeDelay < TimeSpan.Zero)
        {
            errors.Add($"{settingPrefix}:ChangeDelay is {ChangeDelay}; set zero or a positive delay such as 00:00:00.050.");
        }

        if (MaxFileSizeBytes <= 0)
        {
            errors.Add($"{settingPrefix}:MaxFileSizeBytes is {MaxFileSizeBytes}; set a positive size in bytes (the default is {DefaultMaxFileSizeBytes}).");
        }

        return errors;
    }

    /// <inheritdoc />
    IReadOnlyList<string> Registry.Adapters.Backends.IRegistryOptions.Validate(string settingPath) => Validate(settingPath);
}
