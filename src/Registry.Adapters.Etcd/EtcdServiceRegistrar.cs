using Microsoft.Extensions.Logging;

namespace Registry.Adapters.Etcd;

/// <summary>
/// Registration into etcd: the instance's key is put under a lease of <see cref="EtcdRegistryOptions.LeaseTtl"/>, kept
/// alive, re-granted and re-put when the lease is lost, and deleted (with the lease revoked) when the registration is disposed.
/// </summary>
internal sealed class EtcdServiceRegistrar : IServiceRegistrar
{
    private readonly EtcdRegistryOptions _options;
    private readonly ILoggerFactory _loggerFactory;
    private readonly TimeProvider _timeProvider;

    public EtcdServiceRegistrar(string name, EtcdRegistryOptions options, ILoggerFactory loggerFactory, TimeProvider timeProvider)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(options);
        Name = name;
        _options = options;
        _loggerFactory = loggerFactory;
        _timeProvider = timeProvider;
    }

    public string Name { get; }

    public async Task<IServiceRegistration> RegisterAsync(ServiceInstance instance, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(instance);
        if (ServiceInstanceValidator.Validate(instance) is { } error)
        {
            throw new ArgumentException($"The instance cannot be registered: {error}", nameof(instance));
        }

        var registration = new EtcdServiceRegistration(Name, instance, _options, _loggerFactory.CreateLogger<EtcdServiceRegistration>(), _timeProvider);
        try
        {
            await registration.StartAsync(cancellationToken).ConfigureAwait(false);
            return registration;
        }
        catch
        {
            await registration.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }
}
