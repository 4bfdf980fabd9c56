using System.Runtime.CompilerServices;

namespace Registry.Adapters;

internal sealed partial class FileRegistry
{
    /// <inheritdoc />
    public async IAsyncEnumerable<RegistryEvent> WatchAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _disposing.Token);
        var token = linked.Token;
        using var session = new FileWatchSession(this);
        session.StartWatcher();
        var events = new List<RegistryEvent>();
        var wake = FileWake.Signal;
        while (!token.IsCancellationRequested)
        {
            if (wake == FileWake.Signal || session.NeedsRead(StatFile()))
            {
                FileLoad load;
                try
                {
                    load = await LoadAsync(token).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    yield break;
                }

                if (load.Missing)
                {
                    Interlocked.Increment(ref _missingObservations);
                }

                session.Process(load, events);
                foreach (var item in events)
                {
                    yield return item;
                }

                events.Clear();
            }

            if (_fixedContent is not null)
            {
                await WaitForeverAsync(token).ConfigureAwait(false);
                yield break;
            }

            session.StartWatcher();
            wake = await session.WaitAsync(token).ConfigureAwait(false);
        }
    }

    private static async Task WaitForeverAsync(CancellationToken token)
    {
        try
        {
            await Task.Delay(Timeout.InfiniteTimeSpan, token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }
    }

    private FileStamp? StatFile()
    {
        try
        {
            var info = new FileInfo(FullPath);
            return info.Exists ? new FileStamp(info.Length, info.LastWriteTimeUtc) : null;
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }

    private enum FileWake
    {
        Signal,
        Poll,
        Stop,
    }
}
