using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Shouldly;
using Xunit;

namespace Registry.Adapters.Testing;

/// <summary>
/// The contract every registry kind passes (run by the five kinds): configuration binds, a value that cannot be read
/// and a misspelt key are validation errors naming the setting (and the nearest known key), every error of the mesh
/// and of every registry comes in one pass, and a registry added in code is validated on the same path, its
/// messages naming <c>AddKind("name")</c>.
/// </summary>
public abstract class RegistryKindConformanceTests
{
    /// <summary>The kind under test.</summary>
    protected abstract IRegistryProvider Kind { get; }

    /// <summary>Settings of a valid registry, relative to its element (<c>Address</c>).</summary>
    protected abstract IReadOnlyDictionary<string, string?> ValidSettings { get; }

    /// <summary>A time-span setting of the kind (<c>FetchInterval</c>).</summary>
    protected abstract string TimeSpanKey { get; }

    /// <summary>A setting and a value that binds but does not validate; the error starts with the setting's path.</summary>
    protected abstract (string Key, string Value) InvalidSetting { get; }

    /// <summary>A misspelt key and the known key nearest to it (<c>Adress</c>, <c>Address</c>).</summary>
    protected abstract (string Misspelt, string Nearest) MisspeltKey { get; }

    /// <summary>The builder method that adds the kind in code (<c>AddConsul</c>).</summary>
    protected abstract string CodeMethod { get; }

    /// <summary>Adds a registry of the kind in code whose options make <see cref="InvalidSetting"/>'s setting invalid.</summary>
    protected abstract void AddInvalidInCode(IMeshRegistryBuilder builder, string name);

    [Fact]
    public void Validate_ValidSettings_NoErrors()
    {
        var (section, _) = Element(ValidSettings);

        Kind.Validate("r", section).ShouldBeEmpty();
    }

    [Fact]
    public void Validate_UnreadableValue_ErrorNamesSettingAndValue()
    {
        var (section, path) = Element(With(TimeSpanKey, "five minutes"));

        var errors = Kind.Validate("r", section);

        errors.ShouldHaveSingleItem().ShouldStartWith($"{path}:{TimeSpanKey} is 'five minutes'");
    }

    [Fact]
    public void Validate_MisspeltKey_ErrorNamesNearestKnownKey()
    {
        var (section, path) = Element(With(MisspeltKey.Misspelt, "x"));

        var errors = Kind.Validate("r", section);

        errors.ShouldHaveSingleItem().ShouldBe($"{path}:{MisspeltKey.Misspelt} is not a setting of this registry kind; did you mean {MisspeltKey.Nearest}?");
    }

    [Fact]
    public void Validate_InvalidSetting_ErrorNamesSetting()
    {
        var (section, path) = Element(With(InvalidSetting.Key, InvalidSetting.Value));

        var errors = Kind.Validate("r", section);

        errors.ShouldContain(e => e.Contains($"{path}:{InvalidSetting.Key}", StringComparison.Ordinal), string.Join(" | ", errors));
    }

    [Fact]
    public void Create_UnreadableValue_ThrowsValidationErrorNotBinderError()
    {
        var (section, path) = Element(With(TimeSpanKey, "five minutes"));
        using var services = new ServiceCollection().BuildServiceProvider();

        var error = Should.Throw<OptionsValidationException>(() => Kind.Create("r", section, services));

        error.Failures.ShouldContain(f => f.StartsWith($"{path}:{TimeSpanKey}", StringComparison.Ordinal));
    }

    [Fact]
    public void AddMeshRegistry_ErrorsOfMeshAndEveryRegistry_ReportedInOnePass()
    {
        var settings = new Dictionary<string, string?> { ["Mesh:InitialSyncTimeout"] = "00:00:00" };
        AddElement(settings, 0, With(TimeSpanKey, "five minutes"));
        AddElement(settings, 1, With(InvalidSetting.Key, InvalidSetting.Value));
        AddElement(settings, 2, With(MisspeltKey.Misspelt, "x"));
        var services = new ServiceCollection();
        services.AddMeshRegistry(new ConfigurationBuilder().AddInMemoryCollection(settings).Build().GetSection("Mesh")).AddProvider(Kind);
        using var provider = services.BuildServiceProvider();

        var error = Should.Throw<OptionsValidationException>(() => provider.GetRequiredService<IOptions<MeshOptions>>().Value);

        var all = string.Join(" | ", error.Failures);
        error.Failures.ShouldContain(f => f.StartsWith("Mesh:InitialSyncTimeout", StringComparison.Ordinal), all);
        error.Failures.ShouldContain(f => f.StartsWith($"Mesh:Registries:0:{TimeSpanKey} is 'five minutes'", StringComparison.Ordinal), all);
        error.Failures.ShouldContain(f => f.Contains($"Mesh:Registries:1:{InvalidSetting.Key}", StringComparison.Ordinal), all);
        error.Failures.ShouldContain(f => f.StartsWith($"Mesh:Registries:2:{MisspeltKey.Misspelt} is not a setting", StringComparison.Ordinal), all);
    }

    [Fact]
    public void AddInCode_InvalidOptions_ValidatedWithTheMeshNamingTheMethod()
    {
        var services = new ServiceCollection();
        AddInvalidInCode(services.AddMeshRegistry(), "code");
        using var provider = services.BuildServiceProvider();

        var error = Should.Throw<OptionsValidationException>(() => provider.GetRequiredService<IOptions<MeshOptions>>().Value);

        error.Failures.ShouldContain(f => f.Contains($"{CodeMethod}(\"code\"):{InvalidSetting.Key}", StringComparison.Ordinal), string.Join(" | ", error.Failures));
    }

    private Dictionary<string, string?> With(string key, string value) =>
        new(ValidSettings, StringComparer.OrdinalIgnoreCase) { [key] = value };

    private (IConfigurationSection Section, string Path) Element(IReadOnlyDictionary<string, string?> settings)
    {
        var values = new Dictionary<string, string?>();
        AddElement(values, 0, settings);
        var section = new ConfigurationBuilder().AddInMemoryCollection(values).Build().GetSection("Mesh:Registries:0");
        return (section, section.Path);
    }

    private void AddElement(Dictionary<string, string?> values, int index, IReadOnlyDictionary<string, string?> settings)
    {
        values[$"Mesh:Registries:{index}:Kind"] = Kind.Kind;
        foreach (var (key, value) in settings)
        {
            values[$"Mesh:Registries:{index}:{key}"] = value;
        }
    }
}
