namespace Registry.Adapters.Kubernetes.Tests;

/// <summary>Writes a kubeconfig file that points at a fake API server with a bearer token, as <c>kubectl</c> would read it.</summary>
internal static class FakeKubeconfig
{
    public const string Token = "fake-token-7f3a9c";

    /// <summary>Writes the file into a new temporary folder; the caller deletes it.</summary>
    public static string Write(Uri server, string token = Token, string context = "fake")
    {
        var folder = Path.Combine(Path.GetTempPath(), "k8s-fake-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        var path = Path.Combine(folder, "config");
        File.WriteAllText(path, $"""
            apiVersion: v1
            kind: Config
            clusters:
            - name: fake-cluster
              cluster:
                server: {server.ToString().TrimEnd('/')}
            - name: other-cluster
              cluster:
                server: http://127.0.0.1:1
            users:
            - name: fake-user
              user:
                token: {token}
            contexts:
            - name: {context}
              context:
                cluster: fake-cluster
                user: fake-user
            - name: other
              context:
                cluster: other-cluster
                user: fake-user
            current-context: {context}
            """);
        return path;
    }

    public static void Delete(string path)
    {
        try
        {
            Directory.Delete(Path.GetDirectoryName(path)!, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
