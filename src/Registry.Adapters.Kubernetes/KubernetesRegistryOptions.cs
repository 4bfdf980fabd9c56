using System.Globalization;
using k8s;

namespace Registry.Adapters.Kubernetes;

/// <summary>Options of a Kubernetes registry: where the API server is, what to watch, and how.</summary>
public sealed class KubernetesRegistryOptions : Registry.Adapters.Backends.IRegistryOptions
{
    /// <summary>The kubeconfig file. <value>The default value is <see langword="null"/>: the <c>KUBECONFIG</c> environment variable, else <c>~/.kube/config</c> (unless <see cref="InCluster"/> is set).</value></summary>
    public string? KubeconfigPath { get; set; }

    /// <summary>The kubeconfig context to use. <value>The default value is <see langword="null"/>: the file's <c>current-context</c>.</value></summary>
    public string? Context { get; set; }

    /// <summary>
    /// Uses the pod's service account (<c>KUBERNETES_SERVICE_HOST</c>/<c>KUBERNETES_SERVICE_PORT</c> and the token, CA and
    /// namespace files under <see cref="ServiceAccountPath"/>); the token is re-read as the kubelet rotates it.
    /// <value>The default value is <see langword="false"/>.</value>
    /// </summary>
    public bool InCluster { get; set; }

    /// <summary>The service-account folder for <see cref="InCluster"/>. <value>The default value is <c>/var/run/secrets/kubernetes.io/serviceaccount</c>.</value></summary>
    public string ServiceAccountPath { get; set; } = "/var/run/secrets/kubernetes.io/serviceaccount";

    /// <summary>How long a read service-account token is used before the file is read again. <value>The default value is 1 minute.</value></summary>
    public TimeSpan TokenReloadInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// The namespaces to watch, each with its own list and watch.
    /// <value>The default value is empty: every namespace, with one cluster-wide list and watch.</value>
    /// </summary>
    public IList<string> Namespaces { get; } = [];

    /// <summary>A label selector applied to EndpointSlices and Services (<c>app.kubernetes.io/part-of=shop</c>). <value>The default value is <see langword="null"/>: everything.</value></summary>
    public string? LabelSelector { get; set; }

    /// <summary>The page size of list requests (<c>limit</c>). <value>The default value is 500.</value></summary>
    public int PageSize { get; set; } = 500;

    /// <summary>The <c>timeoutSeconds</c> of each watch request; the server then ends the stream and the watch resumes from the last version. <value>The default value is 5 minutes.</value></summary>
    public TimeSpan WatchTimeout { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// The largest list response body, and the largest single event of a watch stream, counted after decompression; a
    /// larger one fails that request (the watch retries). <value>The default value is 64 MiB (67108864 bytes).</value>
    /// </summary>
    public long MaxResponseBytes { get; set; } = Registry.Adapters.Backends.HttpLimits.DefaultMaxResponseBytes;

    /// <summary>
    /// The longest a list response body may go without a byte (a stalled server or proxy becomes a retry). A watch
    /// stream may be quiet for longer: its bound is <see cref="WatchTimeout"/> plus this, as the server ends a watch at
    /// its <c>timeoutSeconds</c> and bookmarks are not guaranteed. <value>The default value is 10 seconds.</value>
    /// </summary>
    public TimeSpan BodyIdleTimeout { get; set; } = Registry.Adapters.Backends.HttpLimits.DefaultBodyIdleTimeout;

    /// <summary>The timeout of each list request. <value>The default value is 100 seconds.</value></summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(100);

    /// <summary>
    /// How the watch reconnects after a fault (<c>Reconnect:InitialDelay</c>, <c>Reconnect:MaxDelay</c>,
    /// <c>Reconnect:Jitter</c>), the same in every backend; <c>MaxDelay</c> is also the wait after a permanent fault (401/403). <value>The default value is 200 ms doubling up to 30 s, jitter 0.5.</value>
    /// </summary>
    public Registry.Adapters.Backends.ReconnectOptions Reconnect { get; } = new();

    /// <summary>
    /// Creates the API client, overriding <see cref="KubeconfigPath"/>, <see cref="Context"/> and <see cref="InCluster"/>:
    /// a seam for tests and for applications that already hold a <see cref="KubernetesClientConfiguration"/>.
    /// <value>The default value is <see langword="null"/>.</value>
    /// </summary>
    public Func<IKubernetes>? ClientFactory { get; set; }

    /// <summary>
    /// The namespace the sync targets of this registry write into: <c>--to istio</c> (ServiceEntries, unless
    /// <c>Istio:Namespace</c> is set) and <c>--to kubernetes</c> (Services and EndpointSlices). <value>The default value is <c>mesh</c>.</value>
    /// </summary>
    public string TargetNamespace { get; set; } = "mesh";

    /// <summary>
    /// How the <c>istio</c> target of this registry maps services (<c>Istio:HostTemplate</c>, <c>Istio:Location</c>,
    /// <c>Istio:WorkloadEntries</c>, …, as <c>mesh-sync export istio</c>); its sync id is the sync's own.
    /// <value>The default value is the export's defaults, in <see cref="TargetNamespace"/>.</value>
    /// </summary>
    public global::Registry.Adapters.Kubernetes.Istio.IstioMappingOptions Istio { get; } = new();

    /// <summary>Reads an environment variable (<c>KUBECONFIG</c>, <c>KUBERNETES_SERVICE_HOST</c>); a seam for tests. <value>The default value is <see cref="Environment.GetEnvironmentVariable(string)"/>.</value></summary>
    public Func<string, string?> GetEnvironmentVariable { get; set; } = Environment.GetEnvironmentVariable;

    /// <summary>Checks the options.</summary>
    /// <param name="path">The configuration path of the registry (<c>Mesh:Registries:2</c>), used in messages.</param>
    /// <returns>The problems, each naming the setting and the fix; empty when valid.</returns>
    public IReadOnlyList<string> Validate(string path = "Kubernetes")
    {
        var errors = new List<string>();
        if (PageSize is < 1 or > 10_000)
        {
            errors.Add($"{path}:PageSize is {PageSize.ToString(CultureInfo.InvariantCulture)}; set it between 1 and 10000.");
        }

        if (WatchTimeout < TimeSpan.FromSeconds(1) || WatchTimeout > TimeSpan.FromHours(1))
        {
            errors.Add($"{path}:WatchTimeout is {WatchTimeout}; set it between 00:00:01 and 01:00:00 (the API server caps watches near 5 minutes).");
        }

        Registry.Adapters.Backends.HttpLimits.ValidateMaxResponseBytes(MaxResponseBytes, $"{path}:MaxResponseBytes", errors);
        Registry.Adapters.Backends.HttpLimits.ValidateBodyIdleTimeout(BodyIdleTimeout, $"{path}:BodyIdleTimeout", errors);
        if (RequestTimeout <= TimeSpan.Zero)
        {
            errors.Add($"{path}:RequestTimeout must be positive; set it to, for example, 00:01:40.");
        }

        Reconnect.Validate($"{path}:Reconnect", errors);

        if (TokenReloadInterval <= TimeSpan.Zero)
        {
            errors.Add($"{path}:TokenReloadInterval must be positive; set it to, for example, 00:01:00.");
        }

        if (ClientFactory is null && InCluster && (KubeconfigPath is not null || Context is not null))
        {
            errors.Add($"{path}:InCluster is set together with {path}:KubeconfigPath or {path}:Context; set only one of them.");
        }

        if (ClientFactory is null && InCluster && string.IsNullOrWhiteSpace(ServiceAccountPath))
        {
            errors.Add($"{path}:ServiceAccountPath is empty; set it to the service-account folder (/var/run/secrets/kubernetes.io/serviceaccount).");
        }

        for (var i = 0; i < Namespaces.Count; i++)
        {
            if (!IsDnsLabel(Namespaces[i]))
            {
                errors.Add($"{path}:Namespaces:{i.ToString(CultureInfo.InvariantCulture)} is '{ServiceInstanceValidator.Printable(Namespaces[i])}'; set it to a namespace name (lower-case letters, digits and '-', at most 63 characters).");
            }
        }

        if (!IsDnsLabel(TargetNamespace))
        {
            errors.Add($"{path}:TargetNamespace is '{ServiceInstanceValidator.Printable(TargetNamespace)}'; set it to a namespace name (lower-case letters, digits and '-', at most 63 characters).");
        }

        if (Istio.Namespace is not null && !IsDnsLabel(Istio.Namespace))
        {
            errors.Add($"{path}:Istio:Namespace is '{ServiceInstanceValidator.Printable(Istio.Namespace)}'; set it to a namespace name, or leave it out to use TargetNamespace.");
        }

        if (!Istio.HostTemplate.Contains(global::Registry.Adapters.Kubernetes.Istio.IstioMappingOptions.ServicePlaceholder, StringComparison.Ordinal))
        {
            errors.Add($"{path}:Istio:HostTemplate '{ServiceInstanceValidator.Printable(Istio.HostTemplate)}' must contain {{service}}.");
        }

        if (LabelSelector is { Length: > 1024 })
        {
            errors.Add($"{path}:LabelSelector is longer than 1024 characters; shorten it.");
        }

        return errors;
    }

    internal static bool IsDnsLabel(string? value)
    {
        if (string.IsNullOrEmpty(value) || value.Length > 63 || value[0] == '-' || value[^1] == '-')
        {
            return false;
        }

        foreach (var c in value)
        {
            if (c is not ((>= 'a' and <= 'z') or (>= '0' and <= '9') or '-'))
            {
                return false;
            }
        }

        return true;
    }

    /// <inheritdoc />
    IReadOnlyList<string> Registry.Adapters.Backends.IRegistryOptions.Validate(string settingPath) => Validate(settingPath);
}
