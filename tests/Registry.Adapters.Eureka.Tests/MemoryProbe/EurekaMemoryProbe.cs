using System.Diagnostics;
using System.Globalization;

namespace Registry.Adapters.Eureka.Tests.MemoryProbe;

/// <summary>What <see cref="EurekaMemoryProbe"/> measured, in bytes.</summary>
public sealed record MemoryProbeResult(
    long BaselineRss,
    long FirstPeakRss,
    long PeakRss,
    long AfterRss,
    long BaselineCommitted,
    long FirstPeakCommitted,
    long PeakCommitted,
    long AfterCommitted,
    long Allocated,
    int Refused,
    string? LastError);

/// <summary>
/// Runs in a process of its own (the measurement is process-wide): warms the Eureka read path up on a plain body and on a
/// bomb refused at a tiny cap, settles the heap, resets the kernel's resident high-water mark (<c>/proc/self/clear_refs</c>),
/// then lets the registry read <c>fetches</c> bomb bodies refused at <c>cap</c>, and reports the peak (<c>VmHWM</c>, and the
/// largest <see cref="GCMemoryInfo.TotalCommittedBytes"/> seen) after the first body and after all of them, and the state
/// after a full collection.
/// </summary>
/// <remarks>The server decides what it sends by path: under <c>/bomb/</c> the compressed bomb, elsewhere the fake's real answer.</remarks>
internal static class EurekaMemoryProbe
{
    public const string Verb = "eureka-memory-probe";

    public static async Task<MemoryProbeResult> RunAsync(string baseUrl, long cap, int fetches)
    {
        var bombUrl = baseUrl.TrimEnd('/').Replace("/eureka", "/bomb/eureka", StringComparison.Ordinal) + "/";
        await using var plain = Registry(baseUrl, cap);
        await using var warm = Registry(bombUrl, 4096);
        await using var bomb = Registry(bombUrl, cap);
        await plain.ReadAsync();
        await Refuse(warm);

        Settle();
        var baselineRss = Status("VmRSS");
        var baselineCommitted = GC.GetGCMemoryInfo(GCKind.Any).TotalCommittedBytes;
        File.WriteAllText("/proc/self/clear_refs", "5");
        var allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);

        long peakCommitted = baselineCommitted;
        using var stop = new CancellationTokenSource();
        var sampler = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                peakCommitted = Math.Max(peakCommitted, GC.GetGCMemoryInfo(GCKind.Any).TotalCommittedBytes);
                await Task.Delay(1).ConfigureAwait(false);
            }
        });

        var refused = 0;
        string? lastError = null;
        long firstPeakRss = 0, firstPeakCommitted = 0;
        for (var i = 0; i < fetches; i++)
        {
            lastError = await Refuse(bomb);
            refused += lastError?.Contains("MaxResponseBytes", StringComparison.Ordinal) == true ? 1 : 0;
            if (i == 0)
            {
                (firstPeakRss, firstPeakCommitted) = (Status("VmHWM"), Math.Max(peakCommitted, GC.GetGCMemoryInfo(GCKind.Any).TotalCommittedBytes));
            }
        }

        await stop.CancelAsync();
        await sampler;
        var allocated = GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore;
        var peakRss = Status("VmHWM");
        Settle();
        var afterRss = Status("VmRSS");
        var afterCommitted = GC.GetGCMemoryInfo(GCKind.Any).TotalCommittedBytes;
        return new MemoryProbeResult(baselineRss, firstPeakRss, peakRss, afterRss, baselineCommitted, firstPeakCommitted, Math.Max(peakCommitted, GC.GetGCMemoryInfo(GCKind.Any).TotalCommittedBytes), afterCommitted, allocated, refused, lastError);
    }

    private static EurekaServiceRegistry Registry(string url, long cap)
    {
        var options = new EurekaRegistryOptions { MaxResponseBytes = cap };
        options.ServiceUrls.Add(url);
        return new EurekaServiceRegistry("eureka", options);
    }

    private static async Task<string?> Refuse(EurekaServiceRegistry registry)
    {
        try
        {
            await registry.ReadAsync();
            return null;
        }
        catch (RegistryException ex)
        {
            return ex.Message;
        }
    }

    /// <summary>A full, compacting collection that also returns free memory to the OS.</summary>
    private static void Settle()
    {
        GC.Collect(2, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        GC.Collect(2, GCCollectionMode.Aggressive, blocking: true, compacting: true);
    }

    /// <summary>A <c>/proc/self/status</c> field (<c>VmRSS</c>, <c>VmHWM</c>) in bytes.</summary>
    private static long Status(string field)
    {
        foreach (var line in File.ReadLines("/proc/self/status"))
        {
            if (line.StartsWith(field + ":", StringComparison.Ordinal))
            {
                var kb = line[(field.Length + 1)..].Trim().Split(' ')[0];
                return long.Parse(kb, CultureInfo.InvariantCulture) * 1024;
            }
        }

        throw new UnreachableException($"/proc/self/status has no {field}");
    }
}
