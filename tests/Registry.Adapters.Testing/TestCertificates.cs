using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Registry.Adapters.Testing;

/// <summary>
/// A throw-away private CA with a server certificate for 127.0.0.1/localhost and a client certificate, written as PEM files
/// (what a backend's <c>CaFile</c>, <c>ClientCertificateFile</c> and <c>ClientKeyFile</c> options read), plus a second CA
/// that signed nothing here (trusting it must fail the handshake). Disposing deletes the files.
/// </summary>
public sealed class TestCertificates : IDisposable
{
    private TestCertificates(string directory) => Directory = directory;

    /// <summary>The directory of the PEM files.</summary>
    public string Directory { get; }

    /// <summary>The CA certificate (PEM).</summary>
    public string CaFile => Path.Combine(Directory, "ca.pem");

    /// <summary>The server certificate (PEM), for 127.0.0.1 and localhost.</summary>
    public string ServerCertFile => Path.Combine(Directory, "server.pem");

    /// <summary>The server certificate's private key (PKCS#8 PEM).</summary>
    public string ServerKeyFile => Path.Combine(Directory, "server-key.pem");

    /// <summary>The client certificate (PEM).</summary>
    public string ClientCertFile => Path.Combine(Directory, "client.pem");

    /// <summary>The client certificate's private key (PKCS#8 PEM).</summary>
    public string ClientKeyFile => Path.Combine(Directory, "client-key.pem");

    /// <summary>A second CA that signed nothing here.</summary>
    public string OtherCaFile => Path.Combine(Directory, "other-ca.pem");

    /// <summary>The subject of the client certificate.</summary>
    public string ClientSubject { get; private set; } = string.Empty;

    /// <summary>Creates the CA and certificates in a new temporary directory.</summary>
    /// <param name="clientSubject">The client certificate's subject.</param>
    /// <returns>The files.</returns>
    public static TestCertificates Create(string clientSubject = "CN=client.registry-adapters.test")
    {
        var result = new TestCertificates(System.IO.Directory.CreateTempSubdirectory("test-certs-").FullName) { ClientSubject = clientSubject };
        var now = DateTimeOffset.UtcNow;
        using var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var caRequest = new CertificateRequest("CN=Registry.Adapters Test CA", caKey, HashAlgorithmName.SHA256);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        caRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        caRequest.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(caRequest.PublicKey, false));
        using var ca = caRequest.CreateSelfSigned(now.AddMinutes(-5), now.AddDays(1));
        File.WriteAllText(result.CaFile, ca.ExportCertificatePem());

        Issue(ca, "CN=127.0.0.1", server: true, result.ServerCertFile, result.ServerKeyFile, now);
        Issue(ca, clientSubject, server: false, result.ClientCertFile, result.ClientKeyFile, now);

        using var otherKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var otherRequest = new CertificateRequest("CN=Other CA", otherKey, HashAlgorithmName.SHA256);
        otherRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        using var other = otherRequest.CreateSelfSigned(now.AddMinutes(-5), now.AddDays(1));
        File.WriteAllText(result.OtherCaFile, other.ExportCertificatePem());
        return result;
    }

    /// <summary>The server certificate with its key, usable by Kestrel's <c>UseHttps</c> (round-tripped through PKCS#12).</summary>
    /// <returns>A new certificate; the caller disposes it.</returns>
    public X509Certificate2 LoadServerCertificate()
    {
        using var pem = X509Certificate2.CreateFromPemFile(ServerCertFile, ServerKeyFile);
        return X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private static void Issue(X509Certificate2 ca, string subject, bool server, string certFile, string keyFile, DateTimeOffset now)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyAgreement, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(
            [server ? new Oid("1.3.6.1.5.5.7.3.1") : new Oid("1.3.6.1.5.5.7.3.2")], false));
        if (server)
        {
            var san = new SubjectAlternativeNameBuilder();
            san.AddIpAddress(IPAddress.Loopback);
            san.AddDnsName("localhost");
            request.CertificateExtensions.Add(san.Build());
        }

        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] &= 0x7f;
        using var certificate = request.Create(ca, now.AddMinutes(-5), now.AddHours(12), serial);
        File.WriteAllText(certFile, certificate.ExportCertificatePem());
        File.WriteAllText(keyFile, key.ExportPkcs8PrivateKeyPem());
    }
}
