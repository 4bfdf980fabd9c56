using System.Diagnostics.Metrics;
using Microsoft.Extensions.Logging;
using Registry.Adapters.Eureka.Transport;

namespace Registry.Adapters.Eureka;

/// <summary>
/// Discovery from Eureka: a full <c>GET apps</c>, then <c>GET apps/delta</c> every fetch interval, applied to a local
/// copy whose apps hash code is checked against the server's (a mismatch forces a full fetch and a resync snapshot),
/// as Netflix's <c>DiscoveryClient</c> does.
/// </summary>
internal sealed partial class EurekaServiceRegistry : IServiceRegistry
{
    private readonly EurekaRegistryOptions _options;
    private readonly EurekaClient _client;
    private readonly EurekaInstanceMapper _mapper;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly EurekaMetrics _metrics;
    private readonly CancellationTokenSource _disposing = new();
    private int _disposed;

    public EurekaServiceRegistry(string name, EurekaRegistryOptions options, TimeProvider? timeProvider = null, ILoggerFactory? loggerFactory = null, IMeterFactory? meterFactory = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(options);
        if (options.Validate() is { Count: > 0 } errors)
        {
            throw new ArgumentException(string.Join(" ", errors), nameof(options));
        }

        Name = name;
        _options = options;
        _time = timeProvider ?? TimeProvider.System;
        _logger = (loggerFactory ?? Microsoft.Extensions.Logging.Abstractions.NullLoggerFactory.Instance).CreateLogger("Registry.Adapters.Eureka");
        _client = new EurekaClient(new EurekaTransport(options, _time));
        _mapper = new EurekaInstanceMapper(options);
        _metrics = new EurekaMetrics(meterFactory, name);
    }

    /// <inheritdoc />
    public string Name { get; }

    /// <inheritdoc />
    public string Kind => EurekaRegistryProvider.KindName;

    /// <summary>The typed client (tests read its failover state).</summary>
    internal EurekaClient Client => _client;

    /// <inheritdoc />
    public async Task<RegistrySnapshot> ReadAsync(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _disposing.Token);
        var transport = _client.Transport;
        using var activity = Registry.Adapters.Backends.RegistryTracing.Start(EurekaTelemetry.Source, Registry.Adapters.Backends.RegistryTracing.Read, Name, Kind, transport.Endpoints[transport.Current].BaseUri);
        Registry.Adapters.Eureka.Wire.JsonApplications applications;
        try
        {
            applications = await _client.GetApplicationsAsync(linked.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (!linked.IsCancellationRequested)
        {
            Registry.Adapters.Backends.RegistryTracing.Fail(activity, ex);
            throw;
        }

        var local = new EurekaLocalRegistry(_mapper);
        var skipped = new List<SkippedRecord>();
        local.Load(applications, skipped);
        local.Publish(local.HashCode);
        foreach (var skip in skipped)
        {
            Log.RecordSkipped(_logger, Name, skip.Key, skip.Reason);
        }

        return local.Snapshot(applications.AppsHashCode, skipped);
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            _disposing.Cancel();
            _writer?.Dispose();
            _client.Dispose();
            _disposing.Dispose();
        }

        return ValueTask.CompletedTask;
    }
}
