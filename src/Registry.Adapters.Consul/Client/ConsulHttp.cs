using System.Net.Security;
using System.Security.Cryptography.X509Certificates;

namespace Registry.Adapters.Consul.Client;

/// <summary>Builds the HTTP handler: sockets with the configured TLS trust and client certificate.</summary>
internal static class ConsulHttp
{
    public static HttpMessageHandler CreateHandler(ConsulSettings settings)
    {
        if (settings.HttpMessageHandlerFactory is { } factory)
        {
            return factory();
        }

        var handler = new SocketsHttpHandler
        {
            PooledConnectionLifetime = TimeSpan.FromMinutes(10),
            ConnectTimeout = TimeSpan.FromSeconds(10),
            AutomaticDecompression = System.Net.DecompressionMethods.None,
        };

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
