using Registry.Adapters.Backends;

namespace Registry.Adapters.Eureka;

/// <summary>
/// The <c>eureka</c> registry kind: creates a Eureka registry from a <c>Mesh:Registries:N</c> element
/// (<c>ServiceUrls:0</c>, <c>FetchInterval</c>, …) or from <c>AddEureka</c>.
/// </summary>
public sealed class EurekaRegistryProvider() : RegistryKind<EurekaRegistryOptions>(KindName)
{
    /// <summary>The kind name, <c>eureka</c>.</summary>
    public const string KindName = "eureka";

    /// <inheritdoc />
    protected override IServiceRegistry CreateRegistry(string name, EurekaRegistryOptions options, string settingPath, IServiceProvider services) =>
        new EurekaServiceRegistry(name, options, TimeOf(services), LoggingOf(services), MetersOf(services));
}
