namespace Registry.Adapters.Backends;

/// <summary>
/// The base of a backend's <see cref="IServiceRegistrar"/>: <see cref="RegisterAsync"/> validates the instance
/// (<see cref="ServiceInstanceValidator"/>), creates the backend's <see cref="ServiceRegistration"/>, and starts it;
/// the backend implements only <see cref="CreateRegistration"/>.
/// </summary>
public abstract class ServiceRegistrar : IServiceRegistrar
{
    /// <summary>Creates a registrar.</summary>
    /// <param name="name">The registrar's name (the configured registry name, <c>consul</c>, <c>etcd</c>…).</param>
    protected ServiceRegistrar(string name)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        Name = name;
    }

    /// <inheritdoc />
    public string Name { get; }

    /// <inheritdoc />
    /// <exception cref="ArgumentException"><paramref name="instance"/> does not pass <see cref="ServiceInstanceValidator"/>; nothing was sent.</exception>
    public async Task<IServiceRegistration> RegisterAsync(ServiceInstance instance, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(instance);
        if (ServiceInstanceValidator.Validate(instance) is { } error)
        {
            throw new ArgumentException($"The instance cannot be registered: {error}", nameof(instance));
        }

        var registration = CreateRegistration(instance);
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

    /// <summary>Creates the backend's registration of a valid <paramref name="instance"/>; it must not write anything yet.</summary>
    /// <param name="instance">The instance.</param>
    /// <returns>The registration, not started.</returns>
    protected abstract ServiceRegistration CreateRegistration(ServiceInstance instance);
}
