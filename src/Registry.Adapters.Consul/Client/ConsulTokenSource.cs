using Microsoft.Extensions.Logging;

namespace Registry.Adapters.Consul.Client;

/// <summary>
/// The ACL token: the token file's content when a file is set and holds one (re-read whenever its
/// size or write time changes, so a rotated token is picked up), else the configured token.
/// </summary>
internal sealed partial class ConsulTokenSource
{
    private readonly string? _token;
    private readonly string? _file;
    private readonly ILogger _logger;
    private readonly Lock _gate = new();
    private (DateTime WriteTime, long Length) _stamp;
    private string? _fileToken;

    public ConsulTokenSource(string? token, string? file, ILogger logger)
    {
        _token = token;
        _file = file;
        Registry.Adapters.Backends.SecretScrubber.Register(token);
        _logger = logger;
    }

    /// <summary>The token to send now, or <see langword="null"/> for none.</summary>
    public string? Current
    {
        get
        {
            if (_file is null)
            {
                return _token;
            }

            lock (_gate)
            {
                try
                {
                    var info = new FileInfo(_file);
                    var stamp = (info.LastWriteTimeUtc, info.Length);
                    if (stamp != _stamp)
                    {
                        var text = File.ReadAllText(_file).Trim();
                        var changed = _fileToken is not null && !string.Equals(text, _fileToken, StringComparison.Ordinal);
                        Registry.Adapters.Backends.SecretScrubber.Register(text);
                        _fileToken = text.Length == 0 || text.AsSpan().IndexOfAny('\r', '\n') >= 0 ? null : text;
                        _stamp = stamp;
                        if (changed)
                        {
                            Log.TokenFileReloaded(_logger, _file);
                        }
                    }
                }
                catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
                {
                    // Keep the last token read: a rotation that briefly removes the file must not drop auth.
                    Log.TokenFileUnreadable(_logger, _file, ex.GetType().Name);
                }

                return _fileToken ?? _token;
            }
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 4020, Level = LogLevel.Information, Message = "Consul token file '{File}' changed; the new token is used from now on")]
        public static partial void TokenFileReloaded(ILogger logger, string file);

        [LoggerMessage(EventId = 4021, Level = LogLevel.Warning, Message = "Consul token file '{File}' could not be read ({Error}); the last token read is kept")]
        public static partial void TokenFileUnreadable(ILogger logger, string file, string error);
    }
}
