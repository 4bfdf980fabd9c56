using System.Globalization;
using Microsoft.Extensions.Primitives;

namespace Registry.Adapters.Sync;

/// <summary>
/// While <c>list</c> or <c>watch</c> waits for the initial sync on a terminal, one line on standard error
/// says which registries are still syncing (<c>mesh-sync: waiting for consul, etcd (1 of 3 ready, 4 s)</c>),
/// redrawn on every catalog change and every second, and erased before the catalog prints.
/// Not shown when standard error is not a terminal, or with <c>--quiet</c>.
/// </summary>
internal sealed class SyncStatusLine : IAsyncDisposable
{
    private const string Erase = "\r\u001b[K";
    private static readonly TimeSpan Redraw = TimeSpan.FromSeconds(1);
    private readonly CancellationTokenSource _stop = new();
    private readonly IMeshCatalog _catalog;
    private readonly CliEnvironment _env;
    private readonly TimeProvider _time;
    private readonly long _started;
    private readonly Task _loop;
    private bool _shown;

    private SyncStatusLine(IMeshCatalog catalog, CliEnvironment env, TimeProvider time, bool enabled)
    {
        _catalog = catalog;
        _env = env;
        _time = time;
        _started = time.GetTimestamp();
        _loop = enabled ? RunAsync(_stop.Token) : Task.CompletedTask;
    }

    /// <summary>Starts the line, or a no-op when standard error is not a terminal or <paramref name="quiet"/>.</summary>
    public static SyncStatusLine Start(IMeshCatalog catalog, CliEnvironment env, bool quiet, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(env);
        return new SyncStatusLine(catalog, env, time ?? TimeProvider.System, env.IsErrorTerminal && !quiet);
    }

    /// <summary>The text of the line for a snapshot, or <see langword="null"/> when no registry is syncing.</summary>
    internal static string? Describe(MeshSnapshot snapshot, TimeSpan elapsed, int width)
    {
        var syncing = snapshot.Registries.Where(static r => r.State == RegistryState.Syncing).Select(static r => r.Name).ToList();
        if (syncing.Count == 0)
        {
            return null;
        }

        var ready = snapshot.Registries.Count(static r => r.State != RegistryState.Syncing);
        var text = string.Create(
            CultureInfo.InvariantCulture,
            $"mesh-sync: waiting for {string.Join(", ", syncing)} ({ready} of {snapshot.Registries.Length} synced, {Durations.Human(elapsed)})");
        var room = Math.Max(width - 1, 10);
        return text.Length <= room ? text : text[..(room - 1)] + "…";
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        await _loop.ConfigureAwait(false);
        if (_shown)
        {
            await _env.Error.WriteAsync(Erase).ConfigureAwait(false);
            await _env.Error.FlushAsync().ConfigureAwait(false);
        }

        _stop.Dispose();
    }

    private async Task RunAsync(CancellationToken stop)
    {
        try
        {
            while (!stop.IsCancellationRequested)
            {
                var token = _catalog.GetChangeToken();
                var text = Describe(_catalog.Current, _time.GetElapsedTime(_started), _env.TerminalWidth);
                if (text is not null)
                {
                    await _env.Error.WriteAsync(Erase + text).ConfigureAwait(false);
                    await _env.Error.FlushAsync(CancellationToken.None).ConfigureAwait(false);
                    _shown = true;
                }

                await WaitAsync(token, stop).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
        }
    }

    private async Task WaitAsync(IChangeToken token, CancellationToken stop)
    {
        using var wake = CancellationTokenSource.CreateLinkedTokenSource(stop);
        using var registration = token.RegisterChangeCallback(static state => ((CancellationTokenSource)state!).Cancel(), wake);
        try
        {
            await Task.Delay(Redraw, _time, wake.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!stop.IsCancellationRequested)
        {
            // The catalog changed: redraw now.
        }
    }
}
