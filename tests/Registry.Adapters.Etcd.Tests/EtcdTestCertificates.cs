using Registry.Adapters.Testing;

namespace Registry.Adapters.Etcd.Tests;

/// <summary>The test kit's <see cref="TestCertificates"/> as etcd's TLS flags take them.</summary>
public static class EtcdTestCertificates
{
    /// <summary>The client certificate's subject: etcd maps the common name to the user (<c>--client-cert-auth</c>).</summary>
    public const string ClientSubject = "CN=root";

    /// <summary>The server side of <paramref name="certificates"/>: <c>--cert-file</c>, <c>--key-file</c>, <c>--trusted-ca-file</c>.</summary>
    public static EtcdServerTls ServerTls(this TestCertificates certificates) =>
        new(certificates.ServerCertFile, certificates.ServerKeyFile, certificates.CaFile);
}
