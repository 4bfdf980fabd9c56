using Microsoft.Extensions.Options;
using Registry.Adapters.Backends;

namespace Registry.Adapters.Eureka;

/// <summary>
/// The <c>eureka</c> registry kind: creates a Eureka registry from a <c>Mesh:Registries:N</c> element
/// (<c>ServiceUrls:0</c>, <c>FetchInterval</c>, …) or from <c>AddEureka</c>.
/// </summary>
public sealed class EurekaRegistryProvider : RegistryKind<EurekaRegistryOptions>
{
    /// <summary>The kind name, <c>eureka</c>.</summary>
    public const string KindName = "eureka";

    /// <inheritdoc />
    public override string Kind => KindName;

    /// <inheritdoc />
    protected override IServiceRegistry CreateRegistry(string name, EurekaRegistryOptions options, string settingPath, IServiceProvider services) =>
        new EurekaServiceRegistry(name, options, TimeOf(services), LoggingOf(services), MetersOf(services));

    /// <summary>Throws <see cref="OptionsValidationException"/> naming the settings at <paramref name="path"/> when <paramref name="options"/> are invalid.</summary>
    /// <param name="options">The options.</param>
    /// <param name="path">The configuration path of the registry element.</param>
    public static void ThrowIfInvalid(EurekaRegistryOptions options, string path)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = options.Validate(path);
        if (errors.Count > 0)
        {
            throw new OptionsValidationException(path, typeof(EurekaRegistryOptions), errors);
        }
    }
}
