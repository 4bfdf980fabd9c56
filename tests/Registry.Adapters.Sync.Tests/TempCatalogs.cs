namespace Registry.Adapters.Sync.Tests;

/// <summary>A temporary directory of catalog files.</summary>
internal sealed class TempCatalogs : IDisposable
{
    public const string A = """
        { "services": [
          { "name": "orders", "instances": [
            { "id": "orders-1", "host": "10.0.0.1", "ports": [ { "name": "http", "port": 8080, "protocol": "http" } ],
              "health": "healthy", "zone": "us-east-1a", "tags": [ "v1" ], "metadata": { "version": "1.0" } },
            { "id": "orders-2", "host": "10.0.0.2", "ports": [ { "name": "http", "port": 8080, "protocol": "http" } ],
              "health": "draining", "zone": "us-east-1b", "tags": [], "metadata": {} } ] },
          { "name": "payments", "instances": [
            { "id": "payments-1", "host": "10.0.1.1", "ports": [ { "name": "https", "port": 8443, "protocol": "https" } ],
              "health": "unhealthy" } ] }
        ] }
        """;

    public const string B = """
        { "services": [
          { "name": "orders", "instances": [
            { "id": "orders-0", "host": "10.9.0.1", "ports": [ { "name": "http", "port": 8080, "protocol": "http" } ] },
            { "id": "orders-dup", "host": "10.0.0.1", "ports": [ { "name": "http", "port": 8080, "protocol": "http" } ] } ] },
          { "name": "inventory", "instances": [
            { "id": "inventory-1", "host": "inventory-1.internal", "ports": [ { "name": "grpc", "port": 9090, "protocol": "grpc" } ] } ] }
        ] }
        """;

    public TempCatalogs()
    {
        Directory = Path.Combine(Path.GetTempPath(), "mesh-sync-tests", Guid.NewGuid().ToString("n"));
        System.IO.Directory.CreateDirectory(Directory);
    }

    public string Directory { get; }

    public string Write(string name, string content)
    {
        var path = Path.Combine(Directory, name);
        File.WriteAllText(path, content);
        return path;
    }

    /// <summary>Replaces a file atomically, as an editor does.</summary>
    public void Replace(string path, string content)
    {
        var temp = path + ".tmp";
        File.WriteAllText(temp, content);
        File.Move(temp, path, overwrite: true);
    }

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
}
