using BenchmarkDotNet.Attributes;

namespace Registry.Adapters.Benchmarks.Catalog;

/// <summary>
/// One instance change (its health flips) applied to catalogs of growing size: two registries, each service merged
/// from both (2 + 2 instances). The cost should not grow with the catalog: work is proportional to the service.
/// </summary>
[MemoryDiagnoser]
[MedianColumn]
public class CatalogChangeBenchmarks
{
    private const int PerService = 2;
    private const int Registries = 2;

    private MeshCatalog _catalog = null!;
    private ServiceChangedEvent _down = null!;
    private ServiceChangedEvent _up = null!;
    private bool _flip;

    /// <summary>Instances in the catalog.</summary>
    [ParamsSource(nameof(SizeValues))]
    public int Instances { get; set; }

    public static IEnumerable<int> SizeValues => BenchmarkSettings.Sizes(100, 1_000, 10_000, 100_000);

    [GlobalSetup]
    public void Setup()
    {
        var services = Instances / (PerService * Registries);
        _catalog = CatalogData.Catalog(Registries, services, PerService);
        var name = CatalogData.ServiceName(services / 2);
        var index = (services / 2) * PerService;
        _up = new ServiceChangedEvent(name, [CatalogData.Instance(name, 0, index), CatalogData.Instance(name, 0, index + 1)], "2");
        _down = new ServiceChangedEvent(name, [CatalogData.Instance(name, 0, index, HealthStatus.Unhealthy), CatalogData.Instance(name, 0, index + 1)], "3");
    }

    [GlobalCleanup]
    public void Cleanup() => _catalog.Dispose();

    [Benchmark]
    public long ApplyOneInstanceChange()
    {
        _flip = !_flip;
        _catalog.Apply("registry-0", _flip ? _down : _up);
        return _catalog.Current.Revision;
    }
}
