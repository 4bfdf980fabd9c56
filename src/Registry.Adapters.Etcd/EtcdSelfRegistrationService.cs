using Microsoft.Extensions.Hosting;

namespace Registry.Adapters.Etcd;

/// <summary>Registers one instance on host start and deregisters it on host stop.</summary>
internal sealed class EtcdSelfRegistrationService(IServiceRegistrar registrar, ServiceInstance instance) : IHostedService, IAsyncDisposable
{
    private IServiceRegistration? _registration;

    public async Task StartAsync(CancellationToken cancellationToken) =>
        _registration = await registrar.RegisterAsync(instance, cancellationToken).ConfigureAwait(false);

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (Interlocked.Exchange(ref _registration, null) is { } registration)
        {
            await registration.DisposeAsync().ConfigureAwait(false);
        }
    }

    public ValueTask DisposeAsync() => new(StopAsync(CancellationToken.None));
}
