using Microsoft.Extensions.Logging;
using Registry.Adapters.Backends;

namespace Registry.Adapters;

/// <summary>The <c>file</c> kind: <c>Mesh:Registries:N</c> elements with <c>Path</c>, <c>PollInterval</c>, <c>MaxFileSizeBytes</c>; console <c>--file PATH</c>.</summary>
public sealed class FileRegistryProvider : RegistryKind<FileRegistryOptions>
{
    /// <inheritdoc />
    public override string Kind => FileRegistry.FileKind;

    /// <inheritdoc />
    public override IReadOnlyList<RegistryShortcut> Shortcuts { get; } =
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
    protected override IServiceRegistry CreateRegistry(string name, FileRegistryOptions options, string settingPath, IServiceProvider services) =>
        new FileRegistry(name, options, TimeOf(services), LoggingOf(services).CreateLogger<FileRegistry>());
}
