using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using Registry.Adapters.Benchmarks;

// `--smoke`: every benchmark once, in process, at its smallest size, so CI proves they still run.
// Anything else goes to BenchmarkSwitcher: `-- --filter '*Resolve*'`.
if (args.Contains("--smoke"))
{
    BenchmarkSettings.Smoke = true;
    var config = ManualConfig.CreateMinimumViable()
        .AddJob(Job.Dry.WithToolchain(InProcessEmitToolchain.Instance))
        .WithOptions(ConfigOptions.DisableOptimizationsValidator);
    var summaries = BenchmarkSwitcher.FromAssembly(typeof(BenchmarkSettings).Assembly).RunAll(config);
    var failed = summaries.Any(static s => s.HasCriticalValidationErrors || s.Reports.Any(static r => !r.Success));
    return failed ? 1 : 0;
}

BenchmarkSwitcher.FromAssembly(typeof(BenchmarkSettings).Assembly).Run(args);
return 0;
