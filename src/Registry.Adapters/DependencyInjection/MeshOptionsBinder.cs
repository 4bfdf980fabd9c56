using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;
using Registry.Adapters.Backends;

namespace Registry.Adapters;

/// <summary>
/// Binds the <c>Mesh</c> section with the backend kit's <see cref="SettingsBinder"/>: a value that cannot be read is
/// kept as an error for <see cref="MeshOptionsValidator"/> (which reports it with every other error in one pass)
/// instead of failing the binding on the first one. Keys the mesh does not know are left to others (<c>Mesh:Sync</c>).
/// </summary>
internal sealed class MeshOptionsBinder(IConfiguration section) : IConfigureOptions<MeshOptions>
{
    public void Configure(MeshOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var root = section as IConfigurationSection ?? new ConfigurationRootSection(section);
        SettingsBinder.Bind(root, options, options.BindErrors, ignoredKeys: ["Registries", "Services"], reportUnknownKeys: false);
        foreach (var element in root.GetSection("Registries").GetChildren())
        {
            var registry = new MeshRegistryOptions();
            SettingsBinder.Bind(element, registry, options.BindErrors, reportUnknownKeys: false);
            options.Registries.Add(registry);
        }

        foreach (var service in root.GetSection("Services").GetChildren())
        {
            var settings = new MeshServiceOptions();
            SettingsBinder.Bind(service, settings, options.BindErrors);
            options.Services[service.Key] = settings;
        }
    }

    /// <summary>A configuration root seen as a section with an empty path.</summary>
    private sealed class ConfigurationRootSection(IConfiguration root) : IConfigurationSection
    {
        public string Key => "";

        public string Path => "";

        public string? Value
        {
            get => null;
            set => throw new NotSupportedException();
        }

        public string? this[string key]
        {
            get => root[key];
            set => root[key] = value;
        }

        public IEnumerable<IConfigurationSection> GetChildren() => root.GetChildren();

        public Microsoft.Extensions.Primitives.IChangeToken GetReloadToken() => root.GetReloadToken();

        public IConfigurationSection GetSection(string key) => root.GetSection(key);
    }
}
