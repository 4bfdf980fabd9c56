using System.Threading.Channels;

namespace Registry.Adapters;

internal sealed partial class FileRegistry
{
    /// <summary>The state of one watch: the last good content, the failure, and the file-system notifications.</summary>
    private sealed class FileWatchSession : IDisposable
    {
        private readonly FileRegistry _owner;
        private readonly Channel<bool> _signals = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
        private readonly string _directory;
        private readonly string _fileName;
        private FileSystemWatcher? _watcher;
        private bool _watcherFailed;
        private int _lostContinuity;
        private readonly Backends.WatchPublisher _publisher;
        private byte[]? _lastBytes;
        private FileStamp? _lastStamp;
        private string? _error;

        public FileWatchSession(FileRegistry owner)
        {
            _owner = owner;
            _publisher = new Backends.WatchPublisher(owner.Name, owner._logger);
            _directory = System.IO.Path.GetDirectoryName(owner.FullPath) ?? ".";
            _fileName = System.IO.Path.GetFileName(owner.FullPath);
        }

        /// <summary>Starts the file-system watcher, if enabled and not yet running; polling covers its absence.</summary>
        public void StartWatcher()
        {
            if (_watcher is not null || _watcherFailed || !_owner._options.UseFileSystemWatcher || _owner._fixedContent is not null)
            {
                return;
            }

            if (!Directory.Exists(_directory))
            {
                return;
            }

            try
            {
                var watcher = new FileSystemWatcher(_directory)
                {
                    IncludeSubdirectories = false,
                    NotifyFilter = NotifyFilters.FileName | NotifyFilters.LastWrite | NotifyFilters.Size | NotifyFilters.CreationTime,
                };
                watcher.Changed += OnChanged;
                watcher.Created += OnChanged;
                watcher.Deleted += OnDeleted;
                watcher.Renamed += OnRenamed;
                watcher.Error += OnError;
                watcher.EnableRaisingEvents = true;
                _watcher = watcher;
            }
            catch (Exception ex) when (ex is IOException or ArgumentException or PlatformNotSupportedException or UnauthorizedAccessException)
            {
                // Out of inotify instances, or a file system without notifications: polling still works.
                _watcherFailed = true;
                Log.WatcherUnavailable(_owner._logger, _owner.Name, _owner.Source, ex.Message);
            }
        }

        /// <summary>Whether a poll must read the file: it changed size or time stamp, or the last read failed.</summary>
        public bool NeedsRead(FileStamp? stamp) => _error is not null || stamp != _lastStamp || Volatile.Read(ref _lostContinuity) == 1;

        /// <summary>Waits for a notification (then lets the writer finish), a poll tick, or the end.</summary>
        public async Task<FileWake> WaitAsync(CancellationToken token)
        {
            using var tick = new CancellationTokenSource(_owner._options.PollInterval, _owner._time);
            using var both = CancellationTokenSource.CreateLinkedTokenSource(token, tick.Token);
            try
            {
                await _signals.Reader.WaitToReadAsync(both.Token).ConfigureAwait(false);
                if (_owner._options.ChangeDelay > TimeSpan.Zero)
                {
                    await Task.Delay(_owner._options.ChangeDelay, _owner._time, token).ConfigureAwait(false);
                }

                _signals.Reader.TryRead(out _);
                return FileWake.Signal;
            }
            catch (OperationCanceledException) when (!token.IsCancellationRequested)
            {
                return FileWake.Poll;
            }
            catch (OperationCanceledException)
            {
                return FileWake.Stop;
            }
        }

        /// <summary>Turns one read of the file into events: state, skipped records, a snapshot or per-service changes.</summary>
        public void Process(FileLoad load, List<RegistryEvent> events)
        {
            var lost = Interlocked.Exchange(ref _lostContinuity, 0) == 1 || load.Missing;
            if (load.Error is not null)
            {
                _lastStamp = load.Stamp;
                if (lost && _publisher.HasSnapshot)
                {
                    Volatile.Write(ref _lostContinuity, 1);
                }

                if (!string.Equals(_error, load.Error, StringComparison.Ordinal))
                {
                    _error = load.Error;
                    Log.FileFailed(_owner._logger, _owner.Name, load.Error);
                    events.Add(new RegistryStateEvent(RegistryConnectionState.Retrying, load.Error, _owner._options.PollInterval));
                }

                return;
            }

            var unchanged = _lastBytes is not null && load.Bytes.AsSpan().SequenceEqual(_lastBytes);
            var recovered = _error is not null || !_publisher.HasSnapshot;
            _lastStamp = load.Stamp;
            _lastBytes = load.Bytes;
            if (recovered)
            {
                if (_error is not null)
                {
                    Log.Recovered(_owner._logger, _owner.Name, _owner.Source);
                }

                _error = null;
                events.Add(new RegistryStateEvent(RegistryConnectionState.Connected));
            }

            if (unchanged && !lost && !recovered)
            {
                return;
            }

            var result = load.Result!;
            Log.FileRead(_owner._logger, _owner.Name, _owner.Source, result.Services.Count, result.Services.Values.Sum(static s => s.Count));
            if (!_publisher.HasSnapshot || lost)
            {
                if (_publisher.HasSnapshot)
                {
                    Log.Resync(_owner._logger, _owner.Name, _owner.Source);
                }

                _publisher.PublishSnapshot(ToSnapshot(load), events);
            }
            else
            {
                _publisher.PublishSkipped(result.Skipped, events);
                Diff(result.Services, load.Revision, events);
            }
        }

        public void Dispose()
        {
            _watcher?.Dispose();
            _signals.Writer.TryComplete();
        }

        private void Diff(IReadOnlyDictionary<string, IReadOnlyList<ServiceInstance>> after, string? revision, List<RegistryEvent> events)
        {
            var gone = _publisher.Published.Keys.Where(k => !after.ContainsKey(k)).Order(StringComparer.Ordinal).ToList();
            foreach (var (service, instances) in after.OrderBy(static p => p.Key, StringComparer.Ordinal))
            {
                _publisher.PublishService(service, instances, revision, events);
            }

            foreach (var service in gone)
            {
                _publisher.PublishService(service, [], revision, events);
            }
        }

        private bool IsOurs(string? path) => path is not null && string.Equals(path, _owner.FullPath, PathComparison);

        private void Signal() => _signals.Writer.TryWrite(true);

        private void OnChanged(object sender, FileSystemEventArgs e)
        {
            if (IsOurs(e.FullPath))
            {
                Signal();
            }
        }

        private void OnDeleted(object sender, FileSystemEventArgs e)
        {
            if (IsOurs(e.FullPath))
            {
                Volatile.Write(ref _lostContinuity, 1);
                Signal();
            }
        }

        private void OnRenamed(object sender, RenamedEventArgs e)
        {
            if (IsOurs(e.OldFullPath))
            {
                Volatile.Write(ref _lostContinuity, 1);
                Signal();
            }
            else if (IsOurs(e.FullPath))
            {
                Signal();
            }
        }

        private void OnError(object sender, ErrorEventArgs e) => Signal();
    }
}
