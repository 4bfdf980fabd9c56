namespace Registry.Adapters.Backends;

/// <summary>
/// Options that check themselves: <see cref="RegistryKind{TOptions}"/> validates options that implement it without
/// an override, so a backend writes its checks once, beside its settings.
/// </summary>
public interface IRegistryOptions
{
    /// <summary>Checks the options; every problem is one message naming the setting (<c>{settingPath}:Address</c>) and the fix.</summary>
    /// <param name="settingPath">The options' path: <c>Mesh:Registries:2</c> or <c>AddConsul("cf")</c>.</param>
    /// <returns>The problems; empty when valid.</returns>
    IReadOnlyList<string> Validate(string settingPath);
}
