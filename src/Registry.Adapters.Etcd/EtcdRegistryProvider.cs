using Registry.Adapters.Backends;

namespace Registry.Adapters.Etcd;

/// <summary>The <c>etcd</c> registry kind: configuration binding (<c>Mesh:Registries:N:Kind = etcd</c>) and <c>AddEtcd</c>.</summary>
public sealed class EtcdRegistryProvider() : RegistryKind<EtcdRegistryOptions>(KindName)
{
    /// <summary>The kind name.</summary>
    public const string KindName = "etcd";

    /// <inheritdoc />
    protected override IReadOnlyDictionary<string, string> RenamedSettings { get; } = ReconnectOptions.RenamedFrom("ReconnectDelay", "MaxReconnectDelay");

    /// <inheritdoc />
    protected override IServiceRegistry CreateRegistry(string name, EtcdRegistryOptions options, string settingPath, IServiceProvider services) =>
        new EtcdServiceRegistry(name, options, LoggingOf(services), TimeOf(services), MetersOf(services));
}
