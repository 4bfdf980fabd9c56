namespace Registry.Adapters.Benchmarks;

/// <summary>Run-wide switches. Benchmarks read <see cref="Smoke"/> in their <c>[ParamsSource]</c> to shrink to one tiny size.</summary>
public static class BenchmarkSettings
{
    /// <summary>Set by <c>--smoke</c>: one tiny size per benchmark, run once, so CI only proves it still runs.</summary>
    public static bool Smoke { get; set; }

    /// <summary>Sizes for a benchmark: <paramref name="full"/> normally, the first one only (or <paramref name="smoke"/>) under <c>--smoke</c>.</summary>
    public static IEnumerable<int> Sizes(int smoke, params int[] full) => Smoke ? [smoke] : full;
}
