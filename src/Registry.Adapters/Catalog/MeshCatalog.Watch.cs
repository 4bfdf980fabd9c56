using System.Runtime.CompilerServices;

namespace Registry.Adapters;

/// <summary>Typed change watches and the initial-sync wait.</summary>
internal sealed partial class MeshCatalog
{
    /// <inheritdoc />
    /// <remarks>
    /// The watch starts when this method is called (not when enumeration starts), at the revision current then: call
    /// it, then read <see cref="Current"/>, and no change is missed (a change between the two may show in both, which
    /// is harmless). Enumerate the result once; a second enumeration starts a new watch.
    /// </remarks>
    public IAsyncEnumerable<MeshChangeBatch> WatchAsync(CancellationToken cancellationToken = default)
    {
        var first = new StrongBox<CatalogWatcher?>(Register(cancellationToken));
        return ReadAsync(first, cancellationToken);
    }

    /// <inheritdoc />
    /// <remarks>
    /// With a token that can be cancelled, the caller bounds the wait. Without one, it waits at most
    /// <see cref="MeshOptions.InitialSyncTimeout"/>, then returns <see langword="false"/>.
    /// </remarks>
    public async Task<bool> WaitForInitialSyncAsync(CancellationToken cancellationToken = default)
    {
        var bounded = !cancellationToken.CanBeCanceled && _initialSyncTimeout > TimeSpan.Zero && _initialSyncTimeout != Timeout.InfiniteTimeSpan;
        using var timeout = bounded ? new CancellationTokenSource(_initialSyncTimeout, _time) : null;
        using var linked = timeout is null ? null : CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        var token = linked?.Token ?? cancellationToken;
        while (true)
        {
            var snapshot = Volatile.Read(ref _current);
            var allReady = true;
            var settled = true;
            foreach (var registry in snapshot.Registries)
            {
                settled &= registry.State != RegistryState.Syncing;
                allReady &= registry.State == RegistryState.Ready;
            }

            if (settled)
            {
                return allReady;
            }

            try
            {
                await WaitReplacedAsync(snapshot, token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (timeout?.IsCancellationRequested == true && !cancellationToken.IsCancellationRequested)
            {
                return false;
            }
        }
    }

    private static async Task WaitReplacedAsync(CatalogSnapshot snapshot, CancellationToken cancellationToken)
    {
        var replaced = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using (snapshot.ReplacedToken.UnsafeRegister(static s => ((TaskCompletionSource)s!).TrySetResult(), replaced))
        {
            await replaced.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    private async IAsyncEnumerable<MeshChangeBatch> ReadAsync(
        StrongBox<CatalogWatcher?> first, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var watcher = Interlocked.Exchange(ref first.Value, null) ?? Register(cancellationToken);
        try
        {
            while (!watcher.IsCompleted)
            {
                await watcher.WaitAsync(cancellationToken).ConfigureAwait(false);
                cancellationToken.ThrowIfCancellationRequested();
                if (watcher.Take() is { } batch)
                {
                    yield return batch;
                }
            }
        }
        finally
        {
            Unregister(watcher);
        }
    }

    private CatalogWatcher Register(CancellationToken cancellationToken)
    {
        CatalogWatcher watcher;
        lock (_gate)
        {
            watcher = new CatalogWatcher(_time, _quietPeriod, _maxDelay, _current.Revision);
            if (_disposed)
            {
                watcher.Complete();
                return watcher;
            }

            _watchers = [.. _watchers, watcher];
        }

        // A watch that is never enumerated still ends with its token.
        watcher.Registration = cancellationToken.UnsafeRegister(
            static s =>
            {
                var (catalog, w) = ((MeshCatalog, CatalogWatcher))s!;
                catalog.Unregister(w);
            },
            (this, watcher));
        return watcher;
    }

    private void Unregister(CatalogWatcher watcher)
    {
        lock (_gate)
        {
            _watchers = Array.FindAll(_watchers, w => !ReferenceEquals(w, watcher));
        }

        watcher.Dispose();
    }
}
