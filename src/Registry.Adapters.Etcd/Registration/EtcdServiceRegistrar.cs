using Microsoft.Extensions.Logging;
using Registry.Adapters.Backends;

namespace Registry.Adapters.Etcd;

/// <summary>
/// Registration into etcd: the instance's key is put under a lease of <see cref="EtcdRegistryOptions.LeaseTtl"/>, kept
/// alive, re-granted and re-put when the lease is lost, and deleted (with the lease revoked) when the registration is disposed.
/// </summary>
internal sealed class EtcdServiceRegistrar(string name, EtcdRegistryOptions options, ILoggerFactory loggerFactory, TimeProvider timeProvider) : ServiceRegistrar(name)
{
    protected override ServiceRegistration CreateRegistration(ServiceInstance instance) =>
        new EtcdServiceRegistration(Name, instance, options, loggerFactory.CreateLogger<EtcdServiceRegistration>(), timeProvider);
}
