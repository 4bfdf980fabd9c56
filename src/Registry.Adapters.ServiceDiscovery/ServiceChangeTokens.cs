using System.Collections.Immutable;
using Microsoft.Extensions.Primitives;

namespace Registry.Adapters.ServiceDiscovery;

/// <summary>
/// One change token per watched mesh service, fired when <em>that</em> service's instances change. It listens to the
/// catalog's snapshot token and, on every new snapshot, compares each watched service's instance array by reference
/// (the catalog shares unchanged services between snapshots), so a change costs work in proportion to the number of
/// watched services, and an unrelated service never wakes a watcher.
/// </summary>
internal sealed class ServiceChangeTokens : IDisposable
{
    private readonly IMeshCatalog _catalog;
    private readonly Lock _gate = new();
    private readonly Dictionary<string, ServiceWatch> _watches = new(StringComparer.OrdinalIgnoreCase);
    private ServiceWatch[] _list = [];
    private IDisposable? _subscription;
    private bool _disposed;

    public ServiceChangeTokens(IMeshCatalog catalog)
    {
        _catalog = catalog;
        _subscription = ChangeToken.OnChange(catalog.GetChangeToken, static state => ((ServiceChangeTokens)state!).OnCatalogChanged(), this);
    }

    /// <summary>The number of services watched now (for tests).</summary>
    internal int Count => Volatile.Read(ref _list).Length;

    /// <summary>Starts (or joins) the watch of one service; release it with <see cref="Release"/>.</summary>
    public ServiceWatch Acquire(string service)
    {
        ServiceWatch watch;
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (!_watches.TryGetValue(service, out watch!))
            {
                watch = new ServiceWatch(service, _catalog.Resolve(service));
                _watches.Add(service, watch);
                _list = [.. _watches.Values];
            }

            watch.References++;
        }

        // A snapshot published between reading the instances and listing the watch is caught here.
        watch.Check(_catalog);
        return watch;
    }

    /// <summary>Ends one use of a watch; the last one removes it.</summary>
    public void Release(ServiceWatch watch)
    {
        lock (_gate)
        {
            if (--watch.References > 0 || !_watches.Remove(watch.Service))
            {
                return;
            }

            _list = [.. _watches.Values];
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        lock (_gate)
        {
            _disposed = true;
        }

        Interlocked.Exchange(ref _subscription, null)?.Dispose();
    }

    private void OnCatalogChanged()
    {
        foreach (var watch in Volatile.Read(ref _list))
        {
            watch.Check(_catalog);
        }
    }

    /// <summary>The instances a service had when its current token was issued, and that token.</summary>
#pragma warning disable CA1001 // The token sources have no timer or wait handle; a fired one is left to the GC, like the catalog's snapshots.
    internal sealed class ServiceWatch(string service, ImmutableArray<MeshInstance> seen)
#pragma warning restore CA1001
    {
        private readonly Lock _gate = new();
        private ImmutableArray<MeshInstance> _seen = seen;
        private CancellationTokenSource _changed = new();

        public string Service { get; } = service;

        /// <summary>Guarded by the owner's lock.</summary>
        public int References { get; set; }

        /// <summary>A token that fires at the next change of the service after now.</summary>
        public IChangeToken GetChangeToken()
        {
            lock (_gate)
            {
                return new CancellationChangeToken(_changed.Token);
            }
        }

        /// <summary>Fires the token when the service's instances differ from those last seen.</summary>
        public void Check(IMeshCatalog catalog)
        {
            CancellationTokenSource? fired = null;
            lock (_gate)
            {
                var now = catalog.Resolve(Service);
                if (now != _seen)
                {
                    _seen = now;
                    fired = _changed;
                    _changed = new CancellationTokenSource();
                }
            }

            // Outside the lock: the callbacks (MESD's watcher refresh) may ask for the next token.
            // Not disposed: it has no timer, and a late RegisterChangeCallback on its token must still see it fired.
            fired?.Cancel();
        }
    }
}
