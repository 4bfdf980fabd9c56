using Registry.Adapters.Backends;

namespace Registry.Adapters.Kubernetes;

/// <summary>
/// The <c>kubernetes</c> registry kind: binds <see cref="KubernetesRegistryOptions"/> from a <c>Mesh:Registries:N</c>
/// section and adds the console shortcuts <c>--kubeconfig PATH</c> and <c>--kubernetes</c> (in-cluster).
/// </summary>
public sealed class KubernetesRegistryProvider : RegistryKind<KubernetesRegistryOptions>
{
    /// <summary>The kind name, <c>kubernetes</c>.</summary>
    public const string KindName = "kubernetes";

    /// <inheritdoc />
    public override string Kind => KindName;

    /// <inheritdoc />
    public override IReadOnlyList<RegistryShortcut> Shortcuts { get; } =
    [
        new RegistryShortcut(
            "--kubeconfig",
            "Adds a Kubernetes registry read through the kubeconfig file PATH (its current context).",
            TakesValue: true,
            value => string.IsNullOrWhiteSpace(value)
                ? throw new ArgumentException("--kubeconfig needs the path of a kubeconfig file, for example --kubeconfig ~/.kube/config.")
                : new Dictionary<string, string?>(StringComparer.Ordinal) { ["KubeconfigPath"] = value })
        {
            ValueName = "PATH",
        },
        new RegistryShortcut(
            "--kubernetes",
            "Adds a Kubernetes registry read with the pod's service account (in-cluster).",
            TakesValue: false,
            _ => new Dictionary<string, string?>(StringComparer.Ordinal) { ["InCluster"] = "true" }),
    ];

    /// <inheritdoc />
    protected override IReadOnlyDictionary<string, string> RenamedSettings { get; } = new Dictionary<string, string>
    {
        ["RetryInitialDelay"] = "Reconnect:InitialDelay",
        ["RetryMaxDelay"] = "Reconnect:MaxDelay",
    };

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
