using System.Globalization;
using System.Net;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Registry.Adapters.Backends;
using Registry.Adapters.Eureka.Transport;
using Registry.Adapters.Eureka.Wire;

namespace Registry.Adapters.Eureka;

/// <summary>
/// Registration into Eureka: <c>POST apps/{APP}</c>, a heartbeat (<c>PUT apps/{APP}/{id}</c>) every renewal interval,
/// re-registration when a heartbeat gets 404, <c>DELETE</c> on dispose; health through the status endpoint.
/// </summary>
internal sealed class EurekaServiceRegistrar : ServiceRegistrar, IAsyncDisposable, IDisposable
{
    private readonly EurekaRegistryOptions _options;
    private readonly EurekaClient _client;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;

    public EurekaServiceRegistrar(string name, EurekaRegistryOptions options, TimeProvider? timeProvider = null, ILoggerFactory? loggerFactory = null)
        : base(name)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.Validate() is { Count: > 0 } errors)
        {
            throw new ArgumentException(string.Join(" ", errors), nameof(options));
        }

        _options = options;
        _time = timeProvider ?? TimeProvider.System;
        _logger = (loggerFactory ?? NullLoggerFactory.Instance).CreateLogger("Registry.Adapters.Eureka.Registration");
        _client = new EurekaClient(new EurekaTransport(options, _time));
    }

    /// <inheritdoc />
    public void Dispose() => _client.Dispose();

    /// <inheritdoc />
    public ValueTask DisposeAsync()
    {
        Dispose();
        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    protected override ServiceRegistration CreateRegistration(ServiceInstance instance) =>
        new EurekaServiceRegistration(Name, instance, _client, _options, _time, _logger);

    /// <summary>Eureka's status name for a health.</summary>
    internal static string StatusFor(HealthStatus health) => health switch
    {
        HealthStatus.Healthy => "UP",
        HealthStatus.Unhealthy => "DOWN",
        HealthStatus.Starting => "STARTING",
        HealthStatus.Draining => "OUT_OF_SERVICE",
        _ => "UNKNOWN",
    };

    /// <summary>Builds the register body of <paramref name="instance"/>, in the shape Eureka's own clients send.</summary>
    internal static JsonRegistration BuildInstance(ServiceInstance instance, string status, long lastDirtyTimestamp, EurekaRegistryOptions options)
    {
        var http = instance.Ports.FirstOrDefault(static p => !IsSecure(p));
        var https = instance.Ports.FirstOrDefault(IsSecure);
        var metadata = new Dictionary<string, string>(instance.Metadata.Count + 1, StringComparer.Ordinal);
        foreach (var (key, value) in instance.Metadata)
        {
            if (key is not ("vipAddress" or "secureVipAddress" or "homePageUrl"))
            {
                metadata[key] = value;
            }
        }

        if (instance.Zone is { } zone)
        {
            metadata[options.ZoneMetadataKey] = zone;
        }

        var vip = instance.Metadata.GetValueOrDefault("vipAddress") ?? instance.Service.ToLowerInvariant();
        return new JsonRegistration
        {
            InstanceId = instance.Id,
            HostName = instance.Host,
            App = instance.Service.ToUpperInvariant(),
            IpAddr = IPAddress.TryParse(instance.Host, out _) ? instance.Host : instance.Metadata.GetValueOrDefault("ipAddr") ?? instance.Host,
            Status = status,
            OverriddenStatusLegacy = "UNKNOWN",
            Port = new JsonPort { Value = http?.Port ?? 80, Enabled = http is not null },
            SecurePort = new JsonPort { Value = https?.Port ?? 443, Enabled = https is not null },
            CountryId = 1,
            DataCenterInfo = new JsonDataCenterInfo { Class = JsonDataCenterInfo.DefaultClass, Name = "MyOwn" },
            LeaseInfo = new JsonLeaseInfo
            {
                RenewalIntervalInSecs = (long)Math.Ceiling(options.RenewalInterval.TotalSeconds),
                DurationInSecs = (long)Math.Ceiling(options.LeaseDuration.TotalSeconds),
            },
            Metadata = metadata,
            HomePageUrl = instance.Metadata.GetValueOrDefault("homePageUrl")
                ?? (http is not null ? $"http://{instance.Host}:{http.Port.ToString(CultureInfo.InvariantCulture)}/" : null),
            VipAddress = vip,
            SecureVipAddress = instance.Metadata.GetValueOrDefault("secureVipAddress") ?? vip,
            IsCoordinatingDiscoveryServer = false,
            LastDirtyTimestamp = lastDirtyTimestamp,
        };
    }

    private static bool IsSecure(ServicePort port) =>
        string.Equals(port.Name, "https", StringComparison.OrdinalIgnoreCase) || string.Equals(port.Protocol, "https", StringComparison.OrdinalIgnoreCase);
}
