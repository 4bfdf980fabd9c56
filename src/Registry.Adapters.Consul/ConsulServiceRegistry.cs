using System.Collections.Concurrent;
using System.Collections.Frozen;
using System.Diagnostics.Metrics;
using System.Globalization;
using Microsoft.Extensions.Logging;
using Registry.Adapters.Consul.Client;

namespace Registry.Adapters.Consul;

/// <summary>
/// Discovery from Consul: one blocking query on <c>/v1/catalog/services</c> and one per service on
/// <c>/v1/health/service/:name</c>, all statuses read and mapped (see <see cref="ConsulHealth.Map"/>).
/// </summary>
internal sealed partial class ConsulServiceRegistry : IServiceRegistry
{
    private readonly CancellationTokenSource _disposed = new();
    private readonly ILogger _logger;

    public ConsulServiceRegistry(string name, ConsulSettings settings, ILoggerFactory loggerFactory, TimeProvider timeProvider, IMeterFactory? meterFactory = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(settings);
        Name = name;
        Time = timeProvider;
        _logger = loggerFactory.CreateLogger("Registry.Adapters.Consul.ConsulServiceRegistry");
        Client = new ConsulClient(settings, new ConsulTokenSource(settings.Token, settings.TokenFile, _logger), timeProvider);
        Mapper = new ConsulMapper(settings);
        Metrics = new ConsulMetrics(meterFactory, name);
    }

    /// <inheritdoc />
    public string Name { get; }

    /// <inheritdoc />
    public string Kind => ConsulRegistryProvider.KindName;

    internal ConsulClient Client { get; }

    internal ConsulMapper Mapper { get; }

    internal ConsulMetrics Metrics { get; }

    internal TimeProvider Time { get; }

    internal ILogger Logger => _logger;

    internal ConsulSettings Settings => Client.Settings;

    internal CancellationToken Disposing => _disposed.Token;

    /// <summary>Service loops running now, by service name (a diagnostic for tests).</summary>
    internal ConcurrentDictionary<string, int> RunningServiceLoops { get; } = new(StringComparer.Ordinal);

    /// <inheritdoc />
    public async Task<RegistrySnapshot> ReadAsync(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed.IsCancellationRequested, this);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _disposed.Token);
        var catalog = await TracedAsync(Registry.Adapters.Backends.RegistryTracing.Read, null, Client, static (c, ct) => c.GetCatalogServicesAsync(new ConsulQuery(Consistent: true), ct), linked.Token).ConfigureAwait(false);
        var (names, skipped) = Mapper.ParseCatalog(catalog.Body);
        var services = await LoadAsync(names, consistent: true, linked.Token).ConfigureAwait(false);
        foreach (var record in skipped.Concat(services.Values.SelectMany(static s => s.Skipped)))
        {
            Log.RecordSkipped(_logger, Name, record.Key, record.Reason);
        }

        return ToSnapshot(services, skipped, catalog.Index);
    }

    /// <inheritdoc />
    public IAsyncEnumerable<RegistryEvent> WatchAsync(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed.IsCancellationRequested, this);
        return new ConsulWatch(this).RunAsync(cancellationToken);
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (_disposed.IsCancellationRequested)
        {
            return;
        }

        await _disposed.CancelAsync().ConfigureAwait(false);
        _writer?.Dispose();
        Client.Dispose();
    }

    /// <summary>Reads the given services at once (no blocking), a few at a time.</summary>
    internal async Task<IReadOnlyDictionary<string, ServiceRead>> LoadAsync(IReadOnlyList<string> names, bool consistent, CancellationToken cancellationToken)
    {
        var results = new ConcurrentDictionary<string, ServiceRead>(StringComparer.Ordinal);
        await Parallel.ForEachAsync(
            names,
            new ParallelOptions { MaxDegreeOfParallelism = Settings.MaxConcurrentReads, CancellationToken = cancellationToken },
            async (name, token) =>
            {
                Metrics.Queried(blocking: false);
                var response = await TracedAsync(Registry.Adapters.Backends.RegistryTracing.Read, name, (Client, name, consistent), static (s, ct) => s.Client.GetHealthServiceAsync(s.name, new ConsulQuery(Consistent: s.consistent), ct), token).ConfigureAwait(false);
                var (instances, skipped) = Mapper.ParseHealth(name, response.Body);
                results[name] = new ServiceRead(instances, skipped, response.Index);
            }).ConfigureAwait(false);
        return results;
    }

    internal static RegistrySnapshot ToSnapshot(IReadOnlyDictionary<string, ServiceRead> services, IReadOnlyList<SkippedRecord> skipped, ulong index) => new()
    {
        Services = services
            .Where(static p => p.Value.Instances.Count > 0)
            .ToFrozenDictionary(static p => p.Key, static p => p.Value.Instances, StringComparer.Ordinal),
        Revision = index.ToString(CultureInfo.InvariantCulture),
        Skipped = [.. skipped, .. services.Values.SelectMany(static s => s.Skipped)],
    };
}

/// <summary>One read of one service: its valid instances (sorted by id), the records skipped, and the <c>X-Consul-Index</c>.</summary>
internal sealed record ServiceRead(IReadOnlyList<ServiceInstance> Instances, IReadOnlyList<SkippedRecord> Skipped, ulong Index);
