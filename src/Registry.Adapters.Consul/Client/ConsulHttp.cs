using System.Net.Security;
using Registry.Adapters.Backends;
using System.Security.Cryptography.X509Certificates;

namespace Registry.Adapters.Consul.Client;

/// <summary>Builds the HTTP handler: sockets with the configured TLS trust and client certificate.</summary>
internal static class ConsulHttp
{
    /// <summary>
    /// The sockets (or the test's handler) behind the shared <see cref="GuardedHttpHandler"/>: time to headers is the
    /// request's budget (a blocking query's wait included), time between body bytes is <see cref="ConsulSettings.BodyIdleTimeout"/>,
    /// bodies are capped at <see cref="ConsulSettings.MaxResponseBytes"/>.
    /// </summary>
    public static HttpMessageHandler CreateHandler(ConsulSettings settings, TimeProvider time)
    {
        var limits = new HttpLimits
        {
            HeadersTimeout = settings.RequestTimeout,
            BodyIdleTimeout = settings.BodyIdleTimeout,
            MaxResponseBytes = settings.MaxResponseBytes,
        };
        return new GuardedHttpHandler(settings.HttpMessageHandlerFactory is { } factory ? factory() : CreateSockets(settings), limits, time);
    }

    private static SocketsHttpHandler CreateSockets(ConsulSettings settings)
    {
        var handler = BackendSockets.CreateHandler();
        handler.PooledConnectionLifetime = TimeSpan.FromMinutes(10);

        if (settings.CaFile is { } caFile)
        {
            var roots = new X509Certificate2Collection();
            roots.ImportFromPemFile(caFile);
            handler.SslOptions.RemoteCertificateValidationCallback = (_, certificate, _, errors) =>
                certificate is not null
                && (errors & ~SslPolicyErrors.RemoteCertificateChainErrors) == SslPolicyErrors.None
                && ChainsTo(certificate, roots);
        }

        if (settings.ClientCertificateFile is { } certFile && settings.ClientKeyFile is { } keyFile)
        {
            SecretScrubber.RegisterFileContents(keyFile);
            handler.SslOptions.ClientCertificates = [X509Certificate2.CreateFromPemFile(certFile, keyFile)];
        }

        return handler;
    }

    private static bool ChainsTo(X509Certificate certificate, X509Certificate2Collection roots)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.CustomTrustStore.AddRange(roots);
        using var leaf = new X509Certificate2(certificate);
        return chain.Build(leaf);
    }
}
