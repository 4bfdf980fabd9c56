using System.Net;
using Registry.Adapters.Backends;
using Registry.Adapters.Consul.Client;

namespace Registry.Adapters.Consul;

/// <summary>
/// One live registration with the local agent: reports the TTL check every third of the TTL (or, with an HTTP check,
/// checks the agent still has the service); the agent answering that it lost the service makes the base register again.
/// </summary>
internal sealed class ConsulServiceRegistration(ConsulServiceRegistrar registrar, ServiceInstance instance)
    : ServiceRegistration(registrar.Name, instance, registrar.Options.Ttl / 3, registrar.Client.Settings.RequestTimeout, registrar.Time, registrar.Logger)
{
    private RegistrationBody _body = registrar.BuildRegistration(instance, instance.Health);

    private ConsulClient Client => registrar.Client;

    private bool IsTtl => registrar.Options.CheckMode == ConsulCheckMode.Ttl;

    protected override System.Diagnostics.ActivitySource? ActivitySource => ConsulTelemetry.Source;

    protected override string RegistryKind => ConsulRegistryProvider.KindName;

    protected override Uri? Server => registrar.Client.Settings.BaseAddress;

    internal static string CheckStatus(HealthStatus health) => health switch
    {
        HealthStatus.Healthy or HealthStatus.Draining => "passing",
        HealthStatus.Unknown => "warning",
        _ => "critical",
    };

    protected override async Task RegisterAsync(ServiceInstance instance, CancellationToken cancellationToken)
    {
        _body = registrar.BuildRegistration(instance, instance.Health);
        await Client.RegisterAsync(_body.Request, cancellationToken).ConfigureAwait(false);
        MarkWritten();
        if (instance.Health == HealthStatus.Draining)
        {
            await Client.SetMaintenanceAsync(instance.Id, enable: true, "draining", cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>The TTL update (or, with an HTTP check, a look-up of the service); <see langword="false"/> when the agent lost it.</summary>
    protected override async Task<bool> KeepAliveAsync(CancellationToken cancellationToken)
    {
        try
        {
            await BeatAsync(Instance.Health, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (ConsulHttpException ex) when (IsLost(ex))
        {
            return false;
        }
    }

    protected override async Task UpdateHealthAsync(HealthStatus health, CancellationToken cancellationToken)
    {
        if (!IsTtl && health is not (HealthStatus.Healthy or HealthStatus.Draining))
        {
            throw new InvalidOperationException("With an HTTP check Consul owns the instance's health; only Healthy and Draining (maintenance) can be set. Use ConsulCheckMode.Ttl to report health.");
        }

        var previous = Instance.Health;
        if (health == HealthStatus.Draining)
        {
            if (previous != HealthStatus.Draining)
            {
                await Client.SetMaintenanceAsync(Instance.Id, enable: true, "draining", cancellationToken).ConfigureAwait(false);
            }

            return;
        }

        if (previous == HealthStatus.Draining)
        {
            await Client.SetMaintenanceAsync(Instance.Id, enable: false, string.Empty, cancellationToken).ConfigureAwait(false);
        }

        if (IsTtl)
        {
            try
            {
                await BeatAsync(health, cancellationToken).ConfigureAwait(false);
            }
            catch (ConsulHttpException ex) when (IsLost(ex))
            {
                await RegisterAgainAsync(Instance with { Health = health }, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    protected override Task DeregisterAsync(CancellationToken cancellationToken) => Client.DeregisterAsync(Instance.Id, cancellationToken);

    private Task BeatAsync(HealthStatus health, CancellationToken cancellationToken) => IsTtl
        ? Client.UpdateCheckAsync(_body.CheckId, CheckStatus(health), Output(health), cancellationToken)
        : Client.GetAgentServiceAsync(Instance.Id, cancellationToken);

    /// <summary>The agent lost the service or its check: 404 (Consul 1.x "Unknown check ID"/"Unknown service ID") or the older 500 "does not have associated TTL".</summary>
    private static bool IsLost(ConsulHttpException ex) =>
        ex.StatusCode == HttpStatusCode.NotFound
        || (ex.StatusCode == HttpStatusCode.InternalServerError
            && (ex.Body.Contains("does not have associated TTL", StringComparison.OrdinalIgnoreCase) || ex.Body.Contains("Unknown check", StringComparison.OrdinalIgnoreCase)));

    private static string Output(HealthStatus health) => health switch
    {
        HealthStatus.Healthy => "healthy (reported by the application)",
        HealthStatus.Draining => "draining (reported by the application)",
        HealthStatus.Starting => "starting (reported by the application)",
        HealthStatus.Unhealthy => "unhealthy (reported by the application)",
        _ => "health unknown (reported by the application)",
    };
}
