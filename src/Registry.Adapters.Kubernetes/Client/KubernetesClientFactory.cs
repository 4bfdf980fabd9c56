using System.Globalization;
using k8s;
using k8s.Exceptions;

namespace Registry.Adapters.Kubernetes;

/// <summary>Builds the API client from the options: the test seam, in-cluster, or a kubeconfig.</summary>
internal static class KubernetesClientFactory
{
    public static IKubernetes Create(KubernetesRegistryOptions options, TimeProvider timeProvider)
    {
        if (options.ClientFactory is { } factory)
        {
            return factory();
        }

        var configuration = options.InCluster ? InCluster(options, timeProvider) : FromKubeconfig(options);
        configuration.HttpClientTimeout = options.RequestTimeout;
        RegisterSecrets(configuration);
        configuration.FirstMessageHandlerSetup = static handler =>
        {
            if (handler is System.Net.Http.SocketsHttpHandler sockets)
            {
                Registry.Adapters.Backends.BackendSockets.EnableTcpKeepAlive(sockets);
            }
        };

        // Lists are buffered and capped; a watch streams, each event capped, quiet for at most the watch's own timeout plus BodyIdleTimeout.
        var limits = new Registry.Adapters.Backends.HttpLimits
        {
            HeadersTimeout = options.RequestTimeout,
            BodyIdleTimeout = options.BodyIdleTimeout,
            MaxResponseBytes = options.MaxResponseBytes,
        };
        var watchLimits = limits with { PerLine = true, BodyIdleTimeout = options.WatchTimeout + options.BodyIdleTimeout };
        var guard = new Registry.Adapters.Backends.GuardedHttpHandler(limits, TimeProvider.System, (request, _) => IsWatch(request.RequestUri) ? watchLimits : limits);
        return new k8s.Kubernetes(configuration, guard);
    }

    private static bool IsWatch(Uri? uri) =>
        uri?.Query is { Length: > 0 } query
        && (query.Contains("watch=true", StringComparison.OrdinalIgnoreCase) || query.Contains("watch=1", StringComparison.Ordinal));

    /// <summary>Every credential of the configuration becomes known to the shared scrubber, so a server that quotes it back is masked.</summary>
    private static void RegisterSecrets(KubernetesClientConfiguration configuration)
    {
        Registry.Adapters.Backends.SecretScrubber.Register(configuration.AccessToken);
        Registry.Adapters.Backends.SecretScrubber.RegisterBasicAuth(configuration.Username, configuration.Password);
        Registry.Adapters.Backends.SecretScrubber.RegisterText(configuration.ClientCertificateKeyData);
        Registry.Adapters.Backends.SecretScrubber.RegisterFileContents(configuration.ClientKeyFilePath);
    }

    /// <summary>The kubeconfig file to read: the option, else the first entry of <c>KUBECONFIG</c>, else <c>~/.kube/config</c>.</summary>
    public static string ResolveKubeconfigPath(KubernetesRegistryOptions options)
    {
        if (!string.IsNullOrWhiteSpace(options.KubeconfigPath))
        {
            return options.KubeconfigPath;
        }

        var env = options.GetEnvironmentVariable("KUBECONFIG");
        if (!string.IsNullOrWhiteSpace(env))
        {
            foreach (var entry in env.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                if (File.Exists(entry))
                {
                    return entry;
                }
            }
        }

        return KubernetesClientConfiguration.KubeConfigDefaultLocation;
    }

    internal static KubernetesClientConfiguration InCluster(KubernetesRegistryOptions options, TimeProvider timeProvider)
    {
        var host = options.GetEnvironmentVariable("KUBERNETES_SERVICE_HOST");
        var portText = options.GetEnvironmentVariable("KUBERNETES_SERVICE_PORT");
        if (string.IsNullOrWhiteSpace(host) || string.IsNullOrWhiteSpace(portText))
        {
            throw new RegistryException(
                "InCluster is set but KUBERNETES_SERVICE_HOST/KUBERNETES_SERVICE_PORT are not: run inside a pod, or set KubeconfigPath instead.")
            { IsPermanent = true };
        }

        if (!int.TryParse(portText, NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port is < 1 or > 65535)
        {
            throw new RegistryException($"KUBERNETES_SERVICE_PORT '{ServiceInstanceValidator.Printable(portText)}' is not a port number.") { IsPermanent = true };
        }

        var tokenFile = Path.Combine(options.ServiceAccountPath, "token");
        if (!File.Exists(tokenFile))
        {
            throw new RegistryException($"InCluster is set but the service-account token {tokenFile} does not exist: mount the service account (automountServiceAccountToken) or set KubeconfigPath.")
            { IsPermanent = true };
        }

        var configuration = new KubernetesClientConfiguration
        {
            Host = new UriBuilder(Uri.UriSchemeHttps, host, port).Uri.ToString(),
            TokenProvider = new ServiceAccountTokenProvider(tokenFile, options.TokenReloadInterval, timeProvider),
        };
        var caFile = Path.Combine(options.ServiceAccountPath, "ca.crt");
        if (File.Exists(caFile))
        {
            configuration.SslCaCerts = Registry.Adapters.Backends.PemTls.LoadCertificates(caFile);
        }

        return configuration;
    }

    private static KubernetesClientConfiguration FromKubeconfig(KubernetesRegistryOptions options)
    {
        var path = ResolveKubeconfigPath(options);
        if (!File.Exists(path))
        {
            throw new RegistryException($"The kubeconfig file {path} does not exist: set KubeconfigPath (--kubeconfig) or KUBECONFIG, or use InCluster (--kubernetes) inside a pod.")
            { IsPermanent = true };
        }

        try
        {
            return KubernetesClientConfiguration.BuildConfigFromConfigFile(path, options.Context);
        }
        catch (KubeConfigException ex)
        {
            throw new RegistryException($"The kubeconfig file {path} cannot be used: {ServiceInstanceValidator.Printable(ex.Message, 200)}", null) { IsPermanent = true };
        }
        catch (Exception ex) when (ex is not OperationCanceledException and not OutOfMemoryException)
        {
            // Parser messages may quote the file (and so a token): name the failure only.
            throw new RegistryException($"The kubeconfig file {path} cannot be read ({ex.GetType().Name}); check it with 'kubectl config view'.", null) { IsPermanent = true };
        }
    }
}
