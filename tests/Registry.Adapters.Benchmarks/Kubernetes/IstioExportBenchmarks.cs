using System.Text.Json.Nodes;
using BenchmarkDotNet.Attributes;
using Registry.Adapters.Benchmarks.Catalog;
using Registry.Adapters.Kubernetes.Istio;
using Registry.Adapters.Sync.Serialization;

namespace Registry.Adapters.Benchmarks.Kubernetes;

/// <summary>
/// <c>export istio</c> of a whole catalog (two registries, 2 + 2 instances per service) as JSON, side by side with the
/// baseline <c>list --output json</c> of the same snapshot: the cost of the ServiceEntry mapping over printing the catalog.
/// </summary>
[MemoryDiagnoser]
[MedianColumn]
public class IstioExportBenchmarks
{
    private MeshCatalog _catalog = null!;
    private readonly IstioMappingOptions _options = new();

    /// <summary>Mesh services in the catalog.</summary>
    [ParamsSource(nameof(SizeValues))]
    public int Services { get; set; }

    public static IEnumerable<int> SizeValues => BenchmarkSettings.Sizes(10, 1_000, 10_000);

    [GlobalSetup]
    public void Setup() => _catalog = CatalogData.Catalog(2, Services, 2);

    [GlobalCleanup]
    public void Cleanup() => _catalog.Dispose();

    [Benchmark(Baseline = true)]
    public int ListJson() => CatalogDocumentWriter.ToJson(CatalogDocumentWriter.Build(_catalog.Current)).Length;

    [Benchmark]
    public int ExportIstioJson()
    {
        var items = new JsonArray();
        foreach (var service in _catalog.Current.GetServices())
        {
            foreach (var obj in ServiceEntryMapper.Map(service, _options).Objects)
            {
                items.Add(obj);
            }
        }

        return new JsonObject { ["apiVersion"] = "v1", ["kind"] = "List", ["items"] = items }.ToJsonString().Length;
    }
}
