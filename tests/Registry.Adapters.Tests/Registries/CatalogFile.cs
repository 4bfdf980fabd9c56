using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Registry.Adapters.Serialization;

namespace Registry.Adapters.Tests.Registries;

/// <summary>A catalog file in a temporary directory that tests edit as a user would (in place, or by rename like an editor).</summary>
internal sealed class CatalogFile : IDisposable
{
    private readonly Dictionary<(string Service, string Id), ServiceInstance> _instances = [];
    private readonly Dictionary<(string Service, string Id), ServiceInstance> _invalid = [];
    private int _writes;

    public CatalogFile(string fileName = "catalog.json")
    {
        Directory = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "registry-adapters-tests", Guid.NewGuid().ToString("n"));
        System.IO.Directory.CreateDirectory(Directory);
        Path = System.IO.Path.Combine(Directory, fileName);
    }

    public string Directory { get; }

    public string Path { get; }

    public IReadOnlyCollection<ServiceInstance> Instances => _instances.Values;

    public void Put(ServiceInstance instance) => _instances[(instance.Service, instance.Id)] = instance;

    public void Remove(ServiceInstance instance) => _instances.Remove((instance.Service, instance.Id));

    /// <summary>Adds an instance whose port is out of range (70000): valid JSON the File registry must skip.</summary>
    public void PutInvalid(ServiceInstance instance) => _invalid[(instance.Service, instance.Id)] = instance;

    /// <summary>The catalog as JSON in the shape of <c>list --output json</c>.</summary>
    public string Render()
    {
        var services = new JsonArray();
        foreach (var group in _instances.Values.Concat(_invalid.Values).GroupBy(static i => i.Service).OrderBy(static g => g.Key, StringComparer.Ordinal))
        {
            var instances = new JsonArray();
            foreach (var instance in group.OrderBy(static i => i.Id, StringComparer.Ordinal))
            {
                instances.Add(JsonSerializer.SerializeToNode(Render(instance), InstanceJsonContext.Default.InstanceDocument));
            }

            services.Add(new JsonObject { ["name"] = group.Key, ["instances"] = instances });
        }

        return new JsonObject { ["revision"] = ++_writes, ["services"] = services }.ToJsonString();
    }

    private InstanceDocument Render(ServiceInstance instance)
    {
        var document = InstanceDocument.From(instance, "previous-run", stale: false);
        if (_invalid.ContainsKey((instance.Service, instance.Id)))
        {
            document.Ports = [new InstancePortDocument { Name = "http", Port = 70000, Protocol = "http" }];
        }

        return document;
    }

    /// <summary>Replaces the file atomically, as editors and config-management tools do (write a temporary file, rename it over).</summary>
    public void WriteByRename(string? content = null)
    {
        var temp = Path + ".tmp-" + Guid.NewGuid().ToString("n")[..8];
        File.WriteAllText(temp, content ?? Render(), Encoding.UTF8);
        File.Move(temp, Path, overwrite: true);
    }

    /// <summary>Rewrites the file in place (truncate and write).</summary>
    public void WriteInPlace(string? content = null) => File.WriteAllText(Path, content ?? Render(), Encoding.UTF8);

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
