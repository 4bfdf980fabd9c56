using System.Collections.Frozen;
using System.Collections.Immutable;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;

namespace Registry.Adapters.Benchmarks.Catalog;

/// <summary>
/// <see cref="MeshCatalog.Resolve"/> against a bare <see cref="FrozenDictionary{TKey, TValue}"/> lookup of the same names,
/// hit and miss. Each invocation looks up 1,024 names spread over the catalog (so caches and branch predictors see a
/// realistic mix), reported per lookup.
/// </summary>
[MemoryDiagnoser]
[MedianColumn]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
public class CatalogResolveBenchmarks
{
    private const int Lookups = 1024;

    private MeshCatalog _catalog = null!;
    private FrozenDictionary<string, ImmutableArray<MeshInstance>> _frozenIgnoreCase = null!;
    private FrozenDictionary<string, ImmutableArray<MeshInstance>> _frozenOrdinal = null!;
    private string[] _hits = null!;
    private string[] _misses = null!;

    /// <summary>Mesh services in the catalog.</summary>
    [ParamsSource(nameof(SizeValues))]
    public int Services { get; set; }

    public static IEnumerable<int> SizeValues => BenchmarkSettings.Sizes(100, 1_000, 100_000);

    [GlobalSetup]
    public void Setup()
    {
        _catalog = CatalogData.Catalog(registries: 1, Services, perService: 1);
        var services = _catalog.Current.GetServices();
        _frozenIgnoreCase = services.ToFrozenDictionary(static s => s.Name, static s => s.Instances, StringComparer.OrdinalIgnoreCase);
        _frozenOrdinal = services.ToFrozenDictionary(static s => s.Name, static s => s.Instances, StringComparer.Ordinal);
        var random = new Random(7);
        _hits = [.. Enumerable.Range(0, Lookups).Select(_ => CatalogData.ServiceName(random.Next(Services)))];
        _misses = [.. Enumerable.Range(0, Lookups).Select(_ => $"missing-{random.Next(Services):D6}")];
    }

    [GlobalCleanup]
    public void Cleanup() => _catalog.Dispose();

    [Benchmark(Baseline = true, OperationsPerInvoke = Lookups)]
    [BenchmarkCategory("Hit")]
    public int FrozenIgnoreCase_Hit() => Sum(_frozenIgnoreCase, _hits);

    [Benchmark(OperationsPerInvoke = Lookups)]
    [BenchmarkCategory("Hit")]
    public int FrozenOrdinal_Hit() => Sum(_frozenOrdinal, _hits);

    [Benchmark(OperationsPerInvoke = Lookups)]
    [BenchmarkCategory("Hit")]
    public int Resolve_Hit()
    {
        var total = 0;
        foreach (var name in _hits)
        {
            total += _catalog.Resolve(name).Length;
        }

        return total;
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = Lookups)]
    [BenchmarkCategory("Miss")]
    public int FrozenIgnoreCase_Miss() => Sum(_frozenIgnoreCase, _misses);

    [Benchmark(OperationsPerInvoke = Lookups)]
    [BenchmarkCategory("Miss")]
    public int FrozenOrdinal_Miss() => Sum(_frozenOrdinal, _misses);

    [Benchmark(OperationsPerInvoke = Lookups)]
    [BenchmarkCategory("Miss")]
    public int Resolve_Miss()
    {
        var total = 0;
        foreach (var name in _misses)
        {
            total += _catalog.Resolve(name).Length;
        }

        return total;
    }

    private static int Sum(FrozenDictionary<string, ImmutableArray<MeshInstance>> map, string[] names)
    {
        var total = 0;
        foreach (var name in names)
        {
            if (map.TryGetValue(name, out var instances))
            {
                total += instances.Length;
            }
        }

        return total;
    }
}
