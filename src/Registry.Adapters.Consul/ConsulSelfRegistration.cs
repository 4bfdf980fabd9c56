using Microsoft.Extensions.Hosting;

namespace Registry.Adapters.Consul;

/// <summary>Registers the application's instance on start and deregisters it on stop.</summary>
internal sealed class ConsulSelfRegistration : IHostedService
{
    private readonly IServiceRegistrar _registrar;
    private readonly ServiceInstance _instance;
    private IServiceRegistration? _registration;

    public ConsulSelfRegistration(IServiceRegistrar registrar, ServiceInstance instance)
    {
        _registrar = registrar;
        _instance = instance;
    }

    public async Task StartAsync(CancellationToken cancellationToken) =>
        _registration = await _registrar.RegisterAsync(_instance, cancellationToken).ConfigureAwait(false);

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (Interlocked.Exchange(ref _registration, null) is { } registration)
        {
            await registration.DisposeAsync().ConfigureAwait(false);
        }
    }
}
