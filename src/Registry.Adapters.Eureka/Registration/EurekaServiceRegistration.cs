using Microsoft.Extensions.Logging;
using Registry.Adapters.Backends;
using Registry.Adapters.Eureka.Transport;

namespace Registry.Adapters.Eureka;

/// <summary>
/// One live Eureka registration: <c>POST apps/{APP}</c>, a heartbeat (<c>PUT apps/{APP}/{id}</c>) every renewal interval
/// (a 404 makes the base register again), <c>DELETE</c> on dispose. Draining is the <c>OUT_OF_SERVICE</c> status
/// override; any other health is published as Eureka clients do, by registering again with a newer dirty timestamp.
/// </summary>
internal sealed class EurekaServiceRegistration : ServiceRegistration
{
    private const string OutOfService = "OUT_OF_SERVICE";
    private readonly EurekaClient _client;
    private readonly EurekaRegistryOptions _options;
    private readonly string _app;
    private string _status;
    private bool _overridden;
    private long _lastDirty;

    public EurekaServiceRegistration(string registrar, ServiceInstance instance, EurekaClient client, EurekaRegistryOptions options, TimeProvider time, ILogger logger)
        : base(registrar, instance, options.RenewalInterval, options.RequestTimeout, time, logger)
    {
        _client = client;
        _options = options;
        _app = instance.Service.ToUpperInvariant();
        _status = instance.Health == HealthStatus.Draining ? "UP" : EurekaServiceRegistrar.StatusFor(instance.Health);
        _lastDirty = time.GetUtcNow().ToUnixTimeMilliseconds();
    }

    protected override System.Diagnostics.ActivitySource? ActivitySource => EurekaTelemetry.Source;

    protected override string RegistryKind => EurekaRegistryProvider.KindName;

    protected override Uri? Server => _client.Transport.Endpoints[_client.Transport.Current].BaseUri;

    /// <summary>Posts the instance; a draining instance (or one that was draining when Eureka lost it) gets its override back.</summary>
    protected override async Task RegisterAsync(ServiceInstance instance, CancellationToken cancellationToken)
    {
        await PostAsync(instance, cancellationToken).ConfigureAwait(false);
        if (_overridden || instance.Health == HealthStatus.Draining)
        {
            await _client.SetStatusOverrideAsync(_app, instance.Id, OutOfService, cancellationToken).ConfigureAwait(false);
            _overridden = true;
        }
    }

    protected override Task<bool> KeepAliveAsync(CancellationToken cancellationToken) =>
        _client.RenewAsync(_app, Instance.Id, _overridden ? OutOfService : _status, _lastDirty, cancellationToken);

    protected override async Task UpdateHealthAsync(HealthStatus health, CancellationToken cancellationToken)
    {
        var instance = Instance with { Health = health };
        if (health == HealthStatus.Draining)
        {
            if (!await _client.SetStatusOverrideAsync(_app, instance.Id, OutOfService, cancellationToken).ConfigureAwait(false))
            {
                await RegisterAgainAsync(instance, cancellationToken).ConfigureAwait(false);
            }

            _overridden = true;
            return;
        }

        var status = EurekaServiceRegistrar.StatusFor(health);
        if (_overridden)
        {
            _status = status;
            _overridden = false;
            if (!await _client.DeleteStatusOverrideAsync(_app, instance.Id, status, cancellationToken).ConfigureAwait(false))
            {
                await RegisterAgainAsync(instance, cancellationToken).ConfigureAwait(false);
            }
        }
        else if (!string.Equals(status, _status, StringComparison.Ordinal))
        {
            _status = status;
            _lastDirty = TimeProvider.GetUtcNow().ToUnixTimeMilliseconds();
            await PostAsync(instance, cancellationToken).ConfigureAwait(false);
        }
    }

    protected override Task DeregisterAsync(CancellationToken cancellationToken) => _client.CancelAsync(_app, Instance.Id, cancellationToken);

    private async Task PostAsync(ServiceInstance instance, CancellationToken cancellationToken)
    {
        await _client.RegisterAsync(_app, EurekaServiceRegistrar.BuildInstance(instance, _status, _lastDirty, _options), cancellationToken).ConfigureAwait(false);
        MarkWritten();
    }
}
