using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Primitives;

namespace Registry.Adapters;

/// <summary>The section given to a provider for a <c>Registries</c> element added in code, which has no configuration keys.</summary>
internal sealed class EmptyConfigurationSection(string path) : IConfigurationSection
{
    public string Key => path[(path.LastIndexOf(':') + 1)..];

    public string Path => path;

    public string? Value
    {
        get => null;
        set => throw new NotSupportedException("The section is read-only.");
    }

    public string? this[string key]
    {
        get => null;
        set => throw new NotSupportedException("The section is read-only.");
    }

    public IEnumerable<IConfigurationSection> GetChildren() => [];

    public IChangeToken GetReloadToken() => new CancellationChangeToken(CancellationToken.None);

    public IConfigurationSection GetSection(string key) => new EmptyConfigurationSection($"{path}:{key}");
}
