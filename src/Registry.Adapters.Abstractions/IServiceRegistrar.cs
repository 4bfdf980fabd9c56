namespace Registry.Adapters;

/// <summary>Registration into a registry that has it (Consul, Eureka, etcd).</summary>
public interface IServiceRegistrar
{
    /// <summary>The registry's configured name.</summary>
    string Name { get; }

    /// <summary>
    /// Registers <paramref name="instance"/> and keeps it alive (TTL check, heartbeat, lease keep-alive,
    /// re-registration after loss) until the returned handle is disposed, which deregisters it.
    /// </summary>
    /// <param name="instance">The instance to register; it must pass <see cref="ServiceInstanceValidator"/>.</param>
    /// <param name="cancellationToken">Cancels the first registration (not the keep-alive).</param>
    /// <returns>The live registration.</returns>
    /// <exception cref="RegistryException">The first registration failed.</exception>
    Task<IServiceRegistration> RegisterAsync(ServiceInstance instance, CancellationToken cancellationToken = default);
}

/// <summary>A live registration. Dispose it to deregister.</summary>
public interface IServiceRegistration : IAsyncDisposable
{
    /// <summary>The registered instance.</summary>
    ServiceInstance Instance { get; }

    /// <summary>How many times the registration was lost and made again (lease re-grant, 404 on heartbeat).</summary>
    int Reregistrations { get; }

    /// <summary>Reports a new health for the instance where the backend supports it (Eureka status, Consul TTL check).</summary>
    /// <param name="health">The new health; <see cref="HealthStatus.Draining"/> takes the instance out of service.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>A task that completes when the registry has the new health.</returns>
    Task SetHealthAsync(HealthStatus health, CancellationToken cancellationToken = default);
}
