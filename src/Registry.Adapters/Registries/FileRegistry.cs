using System.Globalization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Registry.Adapters.Serialization;

namespace Registry.Adapters;

/// <summary>
/// The File registry (kind <c>file</c>): a JSON catalog file in the shape of <c>mesh-sync list --output json</c>,
/// watched for edits. An edit yields one change per service it touched; a broken edit keeps the last good
/// content and reports the error until the next good edit; a file that disappears and comes back is a resync.
/// </summary>
internal sealed partial class FileRegistry : IServiceRegistry
{
    internal const string FileKind = "file";

    private static readonly StringComparison PathComparison =
        OperatingSystem.IsWindows() || OperatingSystem.IsMacOS() ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal;

    private readonly FileRegistryOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _disposing = new();
    private readonly ReadOnlyMemory<byte>? _fixedContent;
    private long _loads;
    private long _missingObservations;
    private volatile bool _disposed;

    /// <summary>Creates a registry over a file.</summary>
    /// <param name="name">The registry name.</param>
    /// <param name="options">The options; <see cref="FileRegistryOptions.Path"/> is required.</param>
    /// <param name="timeProvider">The clock for polling and delays.</param>
    /// <param name="logger">The logger.</param>
    public FileRegistry(string name, FileRegistryOptions options, TimeProvider? timeProvider = null, ILogger<FileRegistry>? logger = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrWhiteSpace(options.Path);
        Name = name;
        _options = options;
        _time = timeProvider ?? TimeProvider.System;
        _logger = logger ?? (ILogger)NullLogger.Instance;
        FullPath = System.IO.Path.GetFullPath(options.Path);
        Source = FullPath;
    }

    /// <summary>Creates a registry over content that never changes (the console's embedded sample catalog).</summary>
    /// <param name="name">The registry name.</param>
    /// <param name="source">How to name the content in messages.</param>
    /// <param name="content">The catalog document.</param>
    /// <param name="logger">The logger.</param>
    public FileRegistry(string name, string source, ReadOnlyMemory<byte> content, ILogger<FileRegistry>? logger = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentException.ThrowIfNullOrWhiteSpace(source);
        Name = name;
        _options = new FileRegistryOptions { Path = source, UseFileSystemWatcher = false, PollInterval = Timeout.InfiniteTimeSpan };
        _time = TimeProvider.System;
        _logger = logger ?? (ILogger)NullLogger.Instance;
        _fixedContent = content;
        FullPath = source;
        Source = source;
    }

    /// <inheritdoc />
    public string Name { get; }

    /// <inheritdoc />
    public string Kind => FileKind;

    /// <summary>The absolute path of the file.</summary>
    public string FullPath { get; }

    /// <summary>How many times a watch found the file missing; lets tests wait for a poll instead of sleeping.</summary>
    internal long MissingObservations => Interlocked.Read(ref _missingObservations);

    private string Source { get; }

    /// <inheritdoc />
    public async Task<RegistrySnapshot> ReadAsync(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var load = await LoadAsync(cancellationToken).ConfigureAwait(false);
        if (load.Error is not null)
        {
            throw new RegistryException(load.Error);
        }

        return ToSnapshot(load);
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync()
    {
        if (!_disposed)
        {
            _disposed = true;

            // Cancelled, not disposed: a watch starting concurrently may still link to its token.
            _disposing.Cancel();
        }

        return ValueTask.CompletedTask;
    }

    private static RegistrySnapshot ToSnapshot(FileLoad load) => new()
    {
        Services = load.Result!.Services,
        Skipped = load.Result.Skipped,
        Revision = load.Revision,
    };

    private async Task<FileLoad> LoadAsync(CancellationToken cancellationToken)
    {
        if (_fixedContent is { } content)
        {
            return Parse(content.ToArray(), default);
        }

        FileStamp stamp;
        byte[] bytes;
        try
        {
            var info = new FileInfo(FullPath);
            if (!info.Exists)
            {
                return FileLoad.Failed($"{Source} does not exist.", missing: true);
            }

            stamp = new FileStamp(info.Length, info.LastWriteTimeUtc);
            if (info.Length > _options.MaxFileSizeBytes)
            {
                return FileLoad.Failed(TooLarge(info.Length), missing: false, stamp);
            }

            bytes = await File.ReadAllBytesAsync(FullPath, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            return FileLoad.Failed($"{Source} does not exist.", missing: true);
        }
        catch (UnauthorizedAccessException)
        {
            return FileLoad.Failed($"{Source} cannot be read: permission denied.", missing: false);
        }
        catch (IOException ex)
        {
            return FileLoad.Failed($"{Source} could not be read: {ex.Message}", missing: false);
        }

        return bytes.Length > _options.MaxFileSizeBytes
            ? FileLoad.Failed(TooLarge(bytes.Length), missing: false, stamp)
            : Parse(bytes, stamp);
    }

    private FileLoad Parse(byte[] bytes, FileStamp stamp)
    {
        var result = CatalogDocumentReader.Read(bytes, Source);
        if (result.Error is not null)
        {
            return FileLoad.Failed(result.Error, missing: false, stamp);
        }

        var revision = Interlocked.Increment(ref _loads).ToString(CultureInfo.InvariantCulture);
        return new FileLoad(bytes, result, null, Missing: false, stamp, revision);
    }

    private string TooLarge(long length) => string.Create(
        CultureInfo.InvariantCulture,
        $"{Source} is {length} bytes, more than MaxFileSizeBytes ({_options.MaxFileSizeBytes}); it was not read.");

    private readonly record struct FileStamp(long Length, DateTime LastWriteUtc);

    private sealed record FileLoad(byte[]? Bytes, CatalogReadResult? Result, string? Error, bool Missing, FileStamp Stamp, string? Revision)
    {
        public static FileLoad Failed(string error, bool missing, FileStamp stamp = default) => new(null, null, error, missing, stamp, null);
    }
}
