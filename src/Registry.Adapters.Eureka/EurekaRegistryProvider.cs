using System.Globalization;
using Microsoft.Extensions.Options;
using Registry.Adapters.Backends;

namespace Registry.Adapters.Eureka;

/// <summary>
/// The <c>eureka</c> registry kind: creates a Eureka registry from a <c>Mesh:Registries:N</c> element
/// (<c>ServiceUrls:0</c>, <c>FetchInterval</c>, …) and adds the console shortcut <c>--eureka URL[,URL]</c>.
/// </summary>
public sealed class EurekaRegistryProvider : RegistryKind<EurekaRegistryOptions>
{
    /// <summary>The kind name, <c>eureka</c>.</summary>
    public const string KindName = "eureka";

    /// <inheritdoc />
    public override string Kind => KindName;

    /// <inheritdoc />
    public override IReadOnlyList<RegistryShortcut> Shortcuts { get; } =
    [
        new RegistryShortcut(
            "--eureka",
            "Adds a Eureka registry: one or more server base URLs, comma-separated, in failover order (http://localhost:8761/eureka/).",
            TakesValue: true,
            ToConfiguration)
        {
            ValueName = "URL[,URL]",
        },
    ];

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

    private static Dictionary<string, string?> ToConfiguration(string? value)
    {
        var urls = (value ?? string.Empty).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (urls.Length == 0)
        {
            throw new ArgumentException("--eureka needs at least one URL, e.g. --eureka http://localhost:8761/eureka/.");
        }

        var keys = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < urls.Length; i++)
        {
            if (!Uri.TryCreate(urls[i], UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
            {
                throw new ArgumentException($"--eureka: URL {(i + 1).ToString(CultureInfo.InvariantCulture)} is not an absolute http(s) URL; use e.g. http://localhost:8761/eureka/.");
            }

            keys[$"ServiceUrls:{i.ToString(CultureInfo.InvariantCulture)}"] = urls[i];
        }

        return keys;
    }
}
