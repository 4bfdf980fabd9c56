using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Toolchains.InProcess.Emit;

namespace Registry.Adapters.Benchmarks.Etcd;

/// <summary>
/// In-process jobs with few iterations for the etcd benchmarks (each iteration talks to a real etcd; the child-project
/// build BenchmarkDotNet would otherwise make is slow on a loaded machine). Under <c>--smoke</c> it adds nothing, so
/// the smoke run's own dry job is the only one.
/// </summary>
public class EtcdBenchmarkConfig : ManualConfig
{
    public EtcdBenchmarkConfig()
        : this(iterations: 5, invocations: null)
    {
    }

    protected EtcdBenchmarkConfig(int iterations, int? invocations)
    {
        if (BenchmarkSettings.Smoke)
        {
            return;
        }

        var job = Job.Default.WithToolchain(InProcessEmitToolchain.Instance).WithWarmupCount(1).WithIterationCount(iterations);
        AddJob(invocations is { } count ? job.WithInvocationCount(count).WithUnrollFactor(1) : job);
    }
}

/// <summary>The initial-load job: one load per iteration, three iterations.</summary>
public sealed class EtcdLoadBenchmarkConfig : EtcdBenchmarkConfig
{
    public EtcdLoadBenchmarkConfig()
        : base(iterations: 3, invocations: 1)
    {
    }
}
