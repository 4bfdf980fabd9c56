using System.Diagnostics.Metrics;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Registry.Adapters.Backends;

/// <summary>
/// The base of every registry kind (<c>file</c>, <c>etcd</c>, <c>consul</c>, <c>eureka</c>, <c>kubernetes</c>): one path
/// that binds, validates and creates a registry, whether it comes from configuration (a <c>Mesh:Registries:N</c>
/// element) or from code (<c>mesh.AddConsul("cf", o => …)</c>). A backend fills in only its options' checks and how
/// to create its registry.
/// </summary>
/// <remarks>
/// <para>Binding reports every value that cannot be read and every key the options do not have (naming the nearest
/// known key) as validation errors; validation collects all errors, so the mesh reports the errors of its own settings
/// and of every registry in one pass, before any registry is created.</para>
/// <para>Every message names the setting by its path: <c>Mesh:Registries:2:Address</c> for configuration, and
/// <c>AddConsul("cf"):Address</c> for code.</para>
/// </remarks>
/// <typeparam name="TOptions">The kind's options.</typeparam>
public abstract class RegistryKind<TOptions> : IRegistryProvider
    where TOptions : class, new()
{
    /// <summary>Creates the kind.</summary>
    /// <param name="kind">The kind's name (<c>consul</c>): what <c>Mesh:Registries:N:Kind</c> names, and the registry's <see cref="IServiceRegistry.Kind"/>.</param>
    protected RegistryKind(string kind)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(kind);
        Kind = kind;
    }

    /// <inheritdoc />
    public string Kind { get; }

    /// <summary>The name of the builder method that adds this kind in code (<c>AddConsul</c>), for setting paths.</summary>
    protected virtual string MethodName => "Add" + char.ToUpperInvariant(Kind[0]) + Kind[1..];

    /// <summary>
    /// Keys this kind no longer has, each with the key that replaced it (both relative to the registry's element, such as
    /// <c>ReconnectDelay</c> → <c>Reconnect:InitialDelay</c>): a configuration that still uses one fails validation with
    /// a message naming the new key, instead of being told the key is unknown. <value>The default value is empty.</value>
    /// </summary>
    protected virtual IReadOnlyDictionary<string, string> RenamedSettings { get; } = new Dictionary<string, string>();

    /// <summary>The setting path of a registry added in code: <c>AddConsul("cf")</c>.</summary>
    /// <param name="name">The registry name.</param>
    /// <returns>The path.</returns>
    public string CodePath(string name) => $"{MethodName}(\"{name}\")";

    /// <summary>Binds a registry's section onto fresh options.</summary>
    /// <param name="configuration">The <c>Mesh:Registries:N</c> element.</param>
    /// <param name="errors">Receives binder errors and unknown keys.</param>
    /// <returns>The options.</returns>
    public TOptions Bind(IConfigurationSection configuration, ICollection<string> errors)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentNullException.ThrowIfNull(errors);
        var options = new TOptions();
        var renamed = RenamedSettings;
        IReadOnlyCollection<string> ignored = SettingsBinder.MeshRegistryKeys;
        if (renamed.Count > 0)
        {
            ignored = [.. SettingsBinder.MeshRegistryKeys, .. renamed.Keys];
            foreach (var child in configuration.GetChildren())
            {
                if (renamed.FirstOrDefault(p => string.Equals(p.Key, child.Key, StringComparison.OrdinalIgnoreCase)) is { Value: { } replacement })
                {
                    errors.Add($"{child.Path} was renamed; set {configuration.Path}:{replacement} instead.");
                }
            }
        }

        SettingsBinder.Bind(configuration, options, errors, ignored);
        return options;
    }

    /// <inheritdoc />
    public IReadOnlyList<string> Validate(string name, IConfigurationSection configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var errors = new List<string>();
        var options = Bind(configuration, errors);
        errors.AddRange(Validate(options, configuration.Path));
        return errors;
    }

    /// <inheritdoc />
    public IServiceRegistry Create(string name, IConfigurationSection configuration, IServiceProvider services)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentNullException.ThrowIfNull(services);
        var errors = new List<string>();
        var options = Bind(configuration, errors);
        return Create(name, options, configuration.Path, errors, services);
    }

    /// <summary>Validates options set in code and creates the registry.</summary>
    /// <param name="name">The registry name.</param>
    /// <param name="options">The options.</param>
    /// <param name="services">The application's services (logging, time, metrics).</param>
    /// <returns>The registry.</returns>
    /// <exception cref="OptionsValidationException">The options are invalid; the messages name the settings under <see cref="CodePath"/>.</exception>
    public IServiceRegistry Create(string name, TOptions options, IServiceProvider services)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(services);
        return Create(name, options, CodePath(name), [], services);
    }

    /// <summary>
    /// A registry added in code, validated with the mesh and created like a configured one. <paramref name="configure"/>
    /// runs once, on first use.
    /// </summary>
    /// <param name="name">The registry name.</param>
    /// <param name="configure">Sets the options.</param>
    /// <param name="priority">The merge priority, or <see langword="null"/> to follow the registries before it.</param>
    /// <returns>The definition to pass to <see cref="MeshRegistryBuilderExtensions.AddRegistry"/>.</returns>
    public RegistryDefinition Define(string name, Action<TOptions>? configure, int? priority = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        var options = new Lazy<TOptions>(() =>
        {
            var value = new TOptions();
            configure?.Invoke(value);
            return value;
        });
        var path = CodePath(name);
        return new RegistryDefinition(name, Kind, services => Create(name, options.Value, path, [], services))
        {
            Priority = priority,
            SettingPath = path,
            Validate = () => Validate(options.Value, path),
        };
    }

    /// <summary>Adds a registry of this kind in code, and the kind itself (for configuration and the console).</summary>
    /// <param name="builder">The mesh builder.</param>
    /// <param name="name">The registry name.</param>
    /// <param name="configure">Sets the options.</param>
    /// <param name="priority">The merge priority, or <see langword="null"/> to follow the registries before it.</param>
    /// <returns>The builder.</returns>
    public IMeshRegistryBuilder AddTo(IMeshRegistryBuilder builder, string name, Action<TOptions>? configure, int? priority = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.AddRegistry(Define(name, configure, priority)).AddProvider(this);
    }

    /// <summary>
    /// Checks options set in code with the kind's checks, for what a backend creates without the mesh (a registrar, a
    /// factory): the same messages as <see cref="Create(string, TOptions, IServiceProvider)"/>, under
    /// <paramref name="settingPath"/>.
    /// </summary>
    /// <param name="name">The registry's or registrar's name.</param>
    /// <param name="options">The options.</param>
    /// <param name="settingPath">The options' path in messages (<c>AddEtcdRegistrar("etcd")</c>).</param>
    /// <exception cref="OptionsValidationException">The options are invalid; one failure per problem.</exception>
    public void ThrowIfInvalid(string name, TOptions options, string settingPath)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrWhiteSpace(settingPath);
        var errors = Validate(options, settingPath);
        if (errors.Count > 0)
        {
            throw new OptionsValidationException(name, typeof(TOptions), errors);
        }
    }

    /// <summary>Checks the options; every problem is one message that names the setting (<c>{settingPath}:Address</c>) and the fix.</summary>
    /// <param name="options">The options.</param>
    /// <param name="settingPath">The options' path: <c>Mesh:Registries:2</c> or <c>AddConsul("cf")</c>.</param>
    /// <returns>The errors; empty when valid. By default, the options' own <see cref="IRegistryOptions.Validate"/>, or none.</returns>
    protected virtual IReadOnlyList<string> Validate(TOptions options, string settingPath) =>
        options is IRegistryOptions own ? own.Validate(settingPath) : [];

    /// <summary>The application's clock, or <see cref="TimeProvider.System"/>.</summary>
    /// <param name="services">The application's services.</param>
    /// <returns>The clock.</returns>
    protected static TimeProvider TimeOf(IServiceProvider services) => services.GetService<TimeProvider>() ?? TimeProvider.System;

    /// <summary>The application's logging, or none.</summary>
    /// <param name="services">The application's services.</param>
    /// <returns>The logger factory.</returns>
    protected static ILoggerFactory LoggingOf(IServiceProvider services) => services.GetService<ILoggerFactory>() ?? NullLoggerFactory.Instance;

    /// <summary>The application's meter factory, or <see langword="null"/> (an unregistered meter).</summary>
    /// <param name="services">The application's services.</param>
    /// <returns>The meter factory.</returns>
    protected static IMeterFactory? MetersOf(IServiceProvider services) => services.GetService<IMeterFactory>();

    /// <summary>Creates the registry from valid options.</summary>
    /// <param name="name">The registry name.</param>
    /// <param name="options">The options, validated.</param>
    /// <param name="settingPath">The options' path, for messages.</param>
    /// <param name="services">The application's services (logging, time, metrics).</param>
    /// <returns>The registry.</returns>
    protected abstract IServiceRegistry CreateRegistry(string name, TOptions options, string settingPath, IServiceProvider services);

    private IServiceRegistry Create(string name, TOptions options, string path, List<string> errors, IServiceProvider services)
    {
        errors.AddRange(Validate(options, path));
        if (errors.Count > 0)
        {
            throw new OptionsValidationException(name, typeof(TOptions), errors);
        }

        return CreateRegistry(name, options, path, services);
    }
}
