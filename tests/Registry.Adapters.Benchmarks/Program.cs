using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using Registry.Adapters.Benchmarks;

// `--smoke`: every benchmark once, in process, at its smallest size, so CI proves they still run
// (`--smoke --filter '*Sync*'`: only the matching ones).
// Anything else goes to BenchmarkSwitcher: `-- --filter '*Resolve*'`.
if (args.Contains("--smoke"))
{
    BenchmarkSettings.Smoke = true;
    var config = ManualConfig.CreateMinimumViable()
        .AddJob(Job.Dry.WithToolchain(InProcessEmitToolchain.Instance))
        .WithOptions(ConfigOptions.DisableOptimizationsValidator);
    var switcher = BenchmarkSwitcher.FromAssembly(typeof(BenchmarkSettings).Assembly);
    var rest = args.Where(static a => a != "--smoke").ToArray();
    var summaries = rest.Contains("--filter") ? switcher.Run(rest, config) : switcher.RunAll(config);
    var failed = summaries.Any(static s => s.HasCriticalValidationErrors || s.Reports.Any(static r => !r.Success));
    return failed ? 1 : 0;
}

BenchmarkSwitcher.FromAssembly(typeof(BenchmarkSettings).Assembly).Run(args);
return 0;
