using Microsoft.Extensions.Configuration;

namespace Registry.Adapters;

/// <summary>
/// Plugs one registry kind into configuration binding (<c>Mesh:Registries:N:Kind</c>), without the core knowing the
/// kind. Each backend package has one.
/// </summary>
public interface IRegistryProvider
{
    /// <summary>The kind this provider creates (<c>file</c>, <c>etcd</c>, <c>consul</c>, <c>eureka</c>, <c>kubernetes</c>).</summary>
    string Kind { get; }

    /// <summary>Creates a registry from its configuration section (the <c>Mesh:Registries:N</c> element).</summary>
    /// <param name="name">The registry name.</param>
    /// <param name="configuration">The registry's section; its kind-specific keys sit beside <c>Name</c> and <c>Kind</c>.</param>
    /// <param name="services">The application's services (logging, time, metrics).</param>
    /// <returns>The registry.</returns>
    /// <exception cref="Microsoft.Extensions.Options.OptionsValidationException">The section is invalid; the message names the setting and the fix.</exception>
    IServiceRegistry Create(string name, IConfigurationSection configuration, IServiceProvider services);

    /// <summary>
    /// Checks a registry's section without creating the registry: values that cannot be read, unknown keys, invalid
    /// settings. The mesh calls it for every configured registry when it validates its options, so that all errors
    /// are reported in one pass. Kinds derived from <see cref="Backends.RegistryKind{TOptions}"/> implement it.
    /// </summary>
    /// <param name="name">The registry name.</param>
    /// <param name="configuration">The registry's section.</param>
    /// <returns>One message per problem, naming the setting (<c>Mesh:Registries:2:Address</c>) and the fix; empty when valid.</returns>
    IReadOnlyList<string> Validate(string name, IConfigurationSection configuration) => [];
}
