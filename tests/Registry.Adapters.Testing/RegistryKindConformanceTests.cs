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

    /// <summary>Whether the kind's watch reconnects (every network backend); a kind that does not has no <c>Reconnect</c> settings.</summary>
    protected virtual bool Reconnects => true;

    /// <summary>Whether the kind speaks TLS with PEM files of its own (etcd, Consul, Eureka); Kubernetes takes TLS from its kubeconfig.</summary>
    protected virtual bool HasPemTls => true;

    [Fact]
    public void Validate_ReconnectSettings_SameNamesAndChecksInEveryKind()
    {
        var settings = With("Reconnect:InitialDelay", "00:00:02");
        settings["Reconnect:MaxDelay"] = "00:00:01";
        settings["Reconnect:Jitter"] = "1.5";
        var (section, path) = Element(settings);

        var errors = Kind.Validate("r", section);

        var all = string.Join(" | ", errors);
        if (Reconnects)
        {
            errors.Count.ShouldBe(2, all);
            errors.ShouldContain(e => e.StartsWith($"{path}:Reconnect:MaxDelay is 00:00:01; set it at least {path}:Reconnect:InitialDelay", StringComparison.Ordinal), all);
            errors.ShouldContain(e => e.StartsWith($"{path}:Reconnect:Jitter is 1.5; set it between 0 and 1", StringComparison.Ordinal), all);
            Kind.Validate("r", Element(With("Reconnect:InitialDelay", "00:00:01")).Section).ShouldBeEmpty();
        }
        else
        {
            errors.ShouldHaveSingleItem().ShouldStartWith($"{path}:Reconnect is not a setting of this registry kind");
        }
    }

    [Fact]
    public void Validate_PemTlsSettings_SameNamesAndChecksInEveryTlsKind()
    {
        var missing = Path.Combine(Path.GetTempPath(), $"missing-{Guid.NewGuid():n}.pem");
        var settings = With("CaFile", missing);
        settings["ClientCertificateFile"] = missing;
        var (section, path) = Element(settings);

        var errors = Kind.Validate("r", section);

        var all = string.Join(" | ", errors);
        if (HasPemTls)
        {
            errors.ShouldContain(e => e.StartsWith($"{path}:CaFile '{missing}' does not exist", StringComparison.Ordinal), all);
            errors.ShouldContain(e => e == $"{path}:ClientCertificateFile and {path}:ClientKeyFile go together; set both, or neither.", all);
        }
        else
        {
            errors.ShouldContain(e => e.StartsWith($"{path}:CaFile is not a setting of this registry kind", StringComparison.Ordinal), all);
        }
    }

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
