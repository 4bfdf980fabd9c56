using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Registry.Adapters.Kubernetes;

/// <summary>
/// The <c>kubernetes</c> registry kind: binds <see cref="KubernetesRegistryOptions"/> from a <c>Mesh:Registries:N</c>
/// section and adds the console shortcuts <c>--kubeconfig PATH</c> and <c>--kubernetes</c> (in-cluster).
/// </summary>
public sealed class KubernetesRegistryProvider : IRegistryProvider
{
    /// <summary>The kind name, <c>kubernetes</c>.</summary>
    public const string KindName = "kubernetes";

    /// <inheritdoc />
    public string Kind => KindName;

    /// <inheritdoc />
    public IReadOnlyList<RegistryShortcut> Shortcuts { get; } =
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
    public IServiceRegistry Create(string name, IConfigurationSection configuration, IServiceProvider services)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentNullException.ThrowIfNull(services);
        var options = new KubernetesRegistryOptions();
        configuration.Bind(options);
        return Create(name, options, configuration.Path, services);
    }

    internal static IServiceRegistry Create(string name, KubernetesRegistryOptions options, string path, IServiceProvider services)
    {
        var errors = new List<string>(options.Validate(path));
        if (options.ClientFactory is null && !options.InCluster && !string.IsNullOrWhiteSpace(options.KubeconfigPath) && !File.Exists(options.KubeconfigPath))
        {
            errors.Add($"{path}:KubeconfigPath is '{options.KubeconfigPath}', which does not exist; set it to a kubeconfig file (or use InCluster inside a pod).");
        }

        if (errors.Count > 0)
        {
            throw new OptionsValidationException(name, typeof(KubernetesRegistryOptions), errors);
        }

        return new KubernetesServiceRegistry(
            name,
            options,
            services.GetService<TimeProvider>(),
            services.GetService<ILoggerFactory>(),
            services.GetService<System.Diagnostics.Metrics.IMeterFactory>());
    }
}
