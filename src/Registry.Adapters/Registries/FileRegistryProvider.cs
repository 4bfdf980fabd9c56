using Microsoft.Extensions.Logging;
using Registry.Adapters.Backends;

namespace Registry.Adapters;

/// <summary>The <c>file</c> kind: <c>Mesh:Registries:N</c> elements with <c>Path</c>, <c>PollInterval</c>, <c>MaxFileSizeBytes</c>.</summary>
public sealed class FileRegistryProvider() : RegistryKind<FileRegistryOptions>(FileRegistry.FileKind)
{
    /// <inheritdoc />
    protected override IServiceRegistry CreateRegistry(string name, FileRegistryOptions options, string settingPath, IServiceProvider services) =>
        new FileRegistry(name, options, TimeOf(services), LoggingOf(services).CreateLogger<FileRegistry>());
}
