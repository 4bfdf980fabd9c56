namespace Registry.Adapters.Hosting;

internal sealed partial class MeshHostedService
{
    private async Task RunWatchAsync(string name, IServiceRegistry registry, CancellationToken token)
    {
        var backoff = BackoffFactory();
        while (!token.IsCancellationRequested)
        {
            try
            {
                await foreach (var item in registry.WatchAsync(token).ConfigureAwait(false))
                {
                    _catalog.Apply(name, item);
                    if (item is RegistrySnapshotEvent or RegistryStateEvent { State: RegistryConnectionState.Connected })
                    {
                        backoff.Reset();
                    }
                }

                if (token.IsCancellationRequested)
                {
                    break;
                }

                const string Ended = "the watch ended without being stopped";
                Log.WatchEnded(_logger, name);
                _catalog.ReportFailure(name, Ended);
            }
            catch (OperationCanceledException) when (token.IsCancellationRequested)
            {
                break;
            }
            catch (ObjectDisposedException) when (token.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                var error = Describe(ex);
                Log.WatchFailed(_logger, name, error);
                TryReportFailure(name, error);
            }

            var delay = backoff.NextDelay();
            Log.WatchRestarting(_logger, name, delay);
            try
            {
                await Task.Delay(delay, _time, token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
    }

    private void TryReportFailure(string name, string error)
    {
        try
        {
            _catalog.ReportFailure(name, error);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            Log.ReportFailed(_logger, name, Describe(ex));
        }
    }
}
