using Registry.Adapters.Backends;

namespace Registry.Adapters.Kubernetes;

/// <summary>
/// The <c>kubernetes</c> registry kind: binds <see cref="KubernetesRegistryOptions"/> from a <c>Mesh:Registries:N</c>
/// section or from <c>AddKubernetes</c>.
/// </summary>
public sealed class KubernetesRegistryProvider() : RegistryKind<KubernetesRegistryOptions>(KindName)
{
    /// <summary>The kind name, <c>kubernetes</c>.</summary>
    public const string KindName = "kubernetes";

    /// <inheritdoc />
    protected override IReadOnlyDictionary<string, string> RenamedSettings { get; } = ReconnectOptions.RenamedFrom("RetryInitialDelay", "RetryMaxDelay");

    /// <inheritdoc />
    protected override IReadOnlyList<string> Validate(KubernetesRegistryOptions options, string settingPath)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = new List<string>(base.Validate(options, settingPath));
        if (options.ClientFactory is null && !options.InCluster && !string.IsNullOrWhiteSpace(options.KubeconfigPath) && !File.Exists(options.KubeconfigPath))
        {
            errors.Add($"{settingPath}:KubeconfigPath is '{options.KubeconfigPath}', which does not exist; set it to a kubeconfig file (or use InCluster inside a pod).");
        }

        return errors;
    }

    /// <inheritdoc />
    protected override IServiceRegistry CreateRegistry(string name, KubernetesRegistryOptions options, string settingPath, IServiceProvider services) =>
        new KubernetesServiceRegistry(name, options, TimeOf(services), LoggingOf(services), MetersOf(services));
}
