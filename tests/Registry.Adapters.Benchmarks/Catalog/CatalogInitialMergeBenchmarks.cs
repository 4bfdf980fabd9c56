using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;

namespace Registry.Adapters.Benchmarks.Catalog;

/// <summary>
/// The initial merge of four registries' first snapshots (every service in all four, 4 instances each), from a new
/// catalog to the merged snapshot. Besides time and allocations, the <c>Retained</c> and <c>Alloc/Retained</c> columns
/// come from <see cref="InitialMergeProbe"/>: the catalog's retained heap, and the bytes allocated during the merge over
/// that retained size. Since a merge cannot raise the live heap by more than it allocates, that ratio bounds peak heap
/// growth over retained size from above.
/// </summary>
[MemoryDiagnoser]
[MedianColumn]
[Config(typeof(ProbeColumns))]
public class CatalogInitialMergeBenchmarks
{
    private const int Registries = 4;
    private const int PerService = 4;

    private RegistrySnapshotEvent[] _snapshots = null!;

    /// <summary>Instances over all registries.</summary>
    [ParamsSource(nameof(SizeValues))]
    public int Instances { get; set; }

    public static IEnumerable<int> SizeValues => BenchmarkSettings.Sizes(1_000, 100_000);

    [GlobalSetup]
    public void Setup() => _snapshots = InitialMergeProbe.Snapshots(Instances);

    [Benchmark]
    public int InitialMerge()
    {
        using var catalog = InitialMergeProbe.Merge(_snapshots);
        return catalog.Current.ServiceCount;
    }

    /// <summary>Measures allocation and retained size of one initial merge, in this process.</summary>
    internal static class InitialMergeProbe
    {
        private static readonly Dictionary<int, (long Allocated, long Retained)> Cache = [];

        public static RegistrySnapshotEvent[] Snapshots(int instances) =>
            [.. Enumerable.Range(0, Registries).Select(r => CatalogData.Snapshot(r, instances / (Registries * PerService), PerService))];

        public static MeshCatalog Merge(RegistrySnapshotEvent[] snapshots)
        {
            var catalog = new MeshCatalog(new MeshOptions());
            for (var r = 0; r < snapshots.Length; r++)
            {
                catalog.AddRegistry($"registry-{r}", "memory", r);
            }

            for (var r = 0; r < snapshots.Length; r++)
            {
                catalog.Apply($"registry-{r}", snapshots[r]);
            }

            return catalog;
        }

        public static (long Allocated, long Retained) Measure(int instances)
        {
            lock (Cache)
            {
                if (Cache.TryGetValue(instances, out var known))
                {
                    return known;
                }

                var snapshots = Snapshots(instances);
                var before = GC.GetTotalMemory(forceFullCollection: true);
                var allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
                var catalog = Merge(snapshots);
                var allocated = GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore;
                var retained = GC.GetTotalMemory(forceFullCollection: true) - before;
                GC.KeepAlive(catalog);
                GC.KeepAlive(snapshots);
                catalog.Dispose();
                return Cache[instances] = (allocated, retained);
            }
        }
    }

    private sealed class ProbeColumns : ManualConfig
    {
        public ProbeColumns() => AddColumn(new ProbeColumn("Retained", static m => $"{m.Retained / 1024.0 / 1024.0:F1} MB"), new ProbeColumn("Alloc/Retained", static m => $"{(double)m.Allocated / m.Retained:F2}"));
    }

    private sealed class ProbeColumn(string name, Func<(long Allocated, long Retained), string> format) : IColumn
    {
        public string Id => nameof(ProbeColumn) + name;

        public string ColumnName => name;

        public bool AlwaysShow => true;

        public ColumnCategory Category => ColumnCategory.Custom;

        public int PriorityInCategory => 0;

        public bool IsNumeric => false;

        public UnitType UnitType => UnitType.Dimensionless;

        public string Legend => name == "Retained"
            ? "Heap the merged catalog retains (GC.GetTotalMemory after a full collection, minus before; the input snapshots excluded)"
            : "Bytes allocated during the merge over the retained size: an upper bound of peak heap growth over retained size";

        public string GetValue(Summary summary, BenchmarkCase benchmarkCase) =>
            format(InitialMergeProbe.Measure((int)benchmarkCase.Parameters["Instances"]));

        public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style) => GetValue(summary, benchmarkCase);

        public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;

        public bool IsAvailable(Summary summary) => true;
    }
}
