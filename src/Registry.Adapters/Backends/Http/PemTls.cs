using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Registry.Adapters.Backends;

/// <summary>
/// TLS from PEM files, with the same three settings in every backend that speaks TLS (etcd, Consul, Eureka):
/// <c>CaFile</c> (the CA certificates the server's certificate must chain to, instead of the system store),
/// <c>ClientCertificateFile</c> and <c>ClientKeyFile</c> (a client certificate for mutual TLS; both or neither).
/// The key file's content is registered with <see cref="SecretScrubber"/> when it is read.
/// </summary>
public sealed class PemTls : IDisposable
{
    private PemTls(X509Certificate2Collection? trust, X509Certificate2? clientCertificate)
    {
        Trust = trust;
        ClientCertificate = clientCertificate;
    }

    /// <summary>The CA certificates of <c>CaFile</c>, or <see langword="null"/>: the system store.</summary>
    public X509Certificate2Collection? Trust { get; }

    /// <summary>The client certificate with its private key, or <see langword="null"/>: none.</summary>
    public X509Certificate2? ClientCertificate { get; }

    /// <summary>
    /// Checks the three settings: each file that is set exists and holds what it should (a PEM certificate; a key that
    /// matches the certificate), and the certificate and key are set together. Every problem is one message naming the
    /// setting (<c>{settingPath}:CaFile</c>) and the fix.
    /// </summary>
    /// <param name="caFile">The CA file, or <see langword="null"/>.</param>
    /// <param name="clientCertificateFile">The client certificate file, or <see langword="null"/>.</param>
    /// <param name="clientKeyFile">The client key file, or <see langword="null"/>.</param>
    /// <param name="settingPath">The options' path (<c>Mesh:Registries:2</c>).</param>
    /// <param name="errors">Where to add the messages.</param>
    public static void Validate(string? caFile, string? clientCertificateFile, string? clientKeyFile, string settingPath, ICollection<string> errors)
    {
        ArgumentNullException.ThrowIfNull(errors);
        string Key(string name) => string.IsNullOrEmpty(settingPath) ? name : $"{settingPath}:{name}";
        if (string.IsNullOrWhiteSpace(clientCertificateFile) != string.IsNullOrWhiteSpace(clientKeyFile))
        {
            errors.Add($"{Key("ClientCertificateFile")} and {Key("ClientKeyFile")} go together; set both, or neither.");
        }

        if (!string.IsNullOrWhiteSpace(caFile) && Exists(caFile, Key("CaFile"), errors))
        {
            try
            {
                using var certificates = new DisposableCollection(LoadCertificates(caFile));
                if (certificates.Items.Count == 0)
                {
                    errors.Add($"{Key("CaFile")} '{Display(caFile)}' holds no PEM certificate (-----BEGIN CERTIFICATE-----); set it to the CA bundle that signs the server's certificate.");
                }
            }
            catch (CryptographicException)
            {
                errors.Add($"{Key("CaFile")} '{Display(caFile)}' is not a PEM certificate file; set it to the CA bundle that signs the server's certificate.");
            }
        }

        if (!string.IsNullOrWhiteSpace(clientCertificateFile) && !string.IsNullOrWhiteSpace(clientKeyFile)
            && Exists(clientCertificateFile, Key("ClientCertificateFile"), errors)
            && Exists(clientKeyFile, Key("ClientKeyFile"), errors))
        {
            try
            {
                using var certificate = X509Certificate2.CreateFromPemFile(clientCertificateFile, clientKeyFile);
            }
            catch (CryptographicException)
            {
                // The message of a key that fails to parse could quote it: name the files only.
                errors.Add($"{Key("ClientCertificateFile")} '{Display(clientCertificateFile)}' and {Key("ClientKeyFile")} '{Display(clientKeyFile)}' are not a PEM certificate and its private key; check that the key (PKCS#8, RSA or EC, unencrypted) belongs to the certificate.");
            }
        }
    }

    /// <summary>Reads the files; <see langword="null"/> when none is set. The key file's content is registered as a secret.</summary>
    /// <param name="caFile">The CA file, or <see langword="null"/>.</param>
    /// <param name="clientCertificateFile">The client certificate file, or <see langword="null"/>.</param>
    /// <param name="clientKeyFile">The client key file, or <see langword="null"/>.</param>
    /// <returns>The TLS material; dispose it with the connection that uses it.</returns>
    /// <exception cref="CryptographicException">A file is not what it should be (<see cref="Validate"/> reports that first).</exception>
    public static PemTls? Load(string? caFile, string? clientCertificateFile, string? clientKeyFile)
    {
        var hasCa = !string.IsNullOrWhiteSpace(caFile);
        var hasClient = !string.IsNullOrWhiteSpace(clientCertificateFile) && !string.IsNullOrWhiteSpace(clientKeyFile);
        if (!hasCa && !hasClient)
        {
            return null;
        }

        X509Certificate2? client = null;
        if (hasClient)
        {
            SecretScrubber.RegisterFileContents(clientKeyFile);
            client = X509Certificate2.CreateFromPemFile(clientCertificateFile!, clientKeyFile);
        }

        return new PemTls(hasCa ? LoadCertificates(caFile!) : null, client);
    }

    /// <summary>Reads every certificate of a PEM file (a CA bundle, a service account's <c>ca.crt</c>).</summary>
    /// <param name="path">The file.</param>
    /// <returns>The certificates; possibly empty.</returns>
    /// <exception cref="CryptographicException">The file holds a malformed certificate.</exception>
    public static X509Certificate2Collection LoadCertificates(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        var certificates = new X509Certificate2Collection();
        certificates.ImportFromPemFile(path);
        return certificates;
    }

    /// <summary>Sets the client certificate and, with a <see cref="Trust"/>, the server certificate check on a handler's TLS options.</summary>
    /// <param name="ssl">The options (<see cref="SocketsHttpHandler.SslOptions"/>).</param>
    public void ApplyTo(SslClientAuthenticationOptions ssl)
    {
        ArgumentNullException.ThrowIfNull(ssl);
        if (ClientCertificate is not null)
        {
            ssl.ClientCertificates = [ClientCertificate];
        }

        if (Trust is not null)
        {
            ssl.RemoteCertificateValidationCallback = ValidateServerCertificate;
        }
    }

    /// <summary>
    /// The server certificate check with <see cref="Trust"/>: the certificate must be present, match the host name and
    /// chain to one of the CA certificates (revocation is not checked); the system store is not consulted.
    /// </summary>
    /// <param name="sender">The TLS stream.</param>
    /// <param name="certificate">The server's certificate.</param>
    /// <param name="chain">The chain the platform built.</param>
    /// <param name="errors">The platform's verdict.</param>
    /// <returns>Whether to accept the server.</returns>
    public bool ValidateServerCertificate(object sender, X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors)
    {
        if (certificate is null || (errors & ~SslPolicyErrors.RemoteCertificateChainErrors) != SslPolicyErrors.None)
        {
            return false;
        }

        if (Trust is null)
        {
            return errors == SslPolicyErrors.None;
        }

        using var custom = new X509Chain();
        custom.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        custom.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        custom.ChainPolicy.CustomTrustStore.AddRange(Trust);
        if (chain is not null)
        {
            foreach (var element in chain.ChainElements.Skip(1))
            {
                custom.ChainPolicy.ExtraStore.Add(element.Certificate);
            }
        }

        using var leaf = new X509Certificate2(certificate);
        return custom.Build(leaf);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        ClientCertificate?.Dispose();
        if (Trust is not null)
        {
            foreach (var certificate in Trust)
            {
                certificate.Dispose();
            }
        }
    }

    private static bool Exists(string path, string setting, ICollection<string> errors)
    {
        if (File.Exists(path))
        {
            return true;
        }

        errors.Add($"{setting} '{Display(path)}' does not exist; set it to a readable PEM file.");
        return false;
    }

    private static string Display(string path) => ServiceInstanceValidator.Printable(path, 200);

    private readonly struct DisposableCollection(X509Certificate2Collection items) : IDisposable
    {
        public X509Certificate2Collection Items { get; } = items;

        public void Dispose()
        {
            foreach (var certificate in Items)
            {
                certificate.Dispose();
            }
        }
    }
}
