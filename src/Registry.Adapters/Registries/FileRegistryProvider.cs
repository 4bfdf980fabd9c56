using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Registry.Adapters;

/// <summary>The <c>file</c> kind: <c>Mesh:Registries:N</c> elements with <c>Path</c>, <c>PollInterval</c>, <c>MaxFileSizeBytes</c>; console <c>--file PATH</c>.</summary>
internal sealed class FileRegistryProvider : IRegistryProvider
{
    /// <inheritdoc />
    public string Kind => FileRegistry.FileKind;

    /// <inheritdoc />
    public IReadOnlyList<RegistryShortcut> Shortcuts { get; } =
    [
        new RegistryShortcut(
            "--file",
            "Adds a File registry over the catalog file PATH (JSON in the shape of 'list --output json'); repeatable.",
            TakesValue: true,
            static value => string.IsNullOrWhiteSpace(value)
                ? throw new ArgumentException("needs the path of a catalog file.")
                : new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase) { ["Path"] = value })
        {
            ValueName = "PATH",
        },
    ];

    /// <inheritdoc />
    public IServiceRegistry Create(string name, IConfigurationSection configuration, IServiceProvider services)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentNullException.ThrowIfNull(services);
        var options = new FileRegistryOptions();
        try
        {
            configuration.Bind(options);
        }
        catch (InvalidOperationException ex)
        {
            throw new OptionsValidationException(name, typeof(FileRegistryOptions), [$"{configuration.Path}: {ex.Message}"]);
        }

        return Create(name, options, configuration.Path, services);
    }

    /// <summary>Creates a File registry from options, validating them first.</summary>
    internal static FileRegistry Create(string name, FileRegistryOptions options, string settingPath, IServiceProvider services)
    {
        var errors = options.Validate(settingPath);
        if (errors.Count > 0)
        {
            throw new OptionsValidationException(name, typeof(FileRegistryOptions), errors);
        }

        return new FileRegistry(
            name,
            options,
            services.GetService<TimeProvider>(),
            services.GetService<ILoggerFactory>()?.CreateLogger<FileRegistry>());
    }
}
