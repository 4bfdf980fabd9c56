using Microsoft.Extensions.Time.Testing;
using Registry.Adapters.Testing;
using Shouldly;
using Xunit;

namespace Registry.Adapters.Kubernetes.Tests;

/// <summary>A server that answers every watch with an in-band ERROR 410 must not drive a tight LIST+WATCH loop.</summary>
public sealed class KubernetesExpiryBackoffTests : IAsyncLifetime
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    // Long enough for a spinning loop to make many more requests; the assertions bound counts, not times.
    private static readonly TimeSpan Settle = TimeSpan.FromMilliseconds(400);
    private KubernetesTestHost _host = null!;

    private FakeKubeApiServer Server => _host.Server;

    public async Task InitializeAsync() => _host = await KubernetesTestHost.StartAsync();

    public async Task DisposeAsync() => await _host.DisposeAsync();

    private int SliceLists => Server.Requests.Count(r => r.Contains("/endpointslices?", StringComparison.Ordinal) && !r.Contains("watch=true", StringComparison.Ordinal));

    private int SliceWatches => Server.Requests.Count(r => r.Contains("/endpointslices?", StringComparison.Ordinal) && r.Contains("watch=true", StringComparison.Ordinal));

    [Fact]
    public async Task Watch_ServerAlwaysExpiresWatches_RelistsOnlyAsTheBackoffClockAllows()
    {
        Server.PutSlice(K8sObjects.Slice("shop", "web", "web-abc", new Ep("10.0.0.1")));
        Server.AlwaysExpireWatches = true;
        var time = new FakeTimeProvider(DateTimeOffset.Parse("2026-11-23T20:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
        await using var registry = _host.CreateRegistry(o => { o.Reconnect.InitialDelay = TimeSpan.FromSeconds(1); o.Reconnect.MaxDelay = TimeSpan.FromSeconds(8); }, time: time);
        await using var recorder = new WatchRecorder(registry);

        // list → watch (expired: an old version is normal, relist at once) → list → watch (expired again, no event): wait.
        await WaitUntilAsync(() => SliceWatches >= 2, "two watches answered Expired");
        await Task.Delay(Settle);
        SliceLists.ShouldBe(2, "after a relist whose watch expired with no event, the loop waits on the backoff clock");
        SliceWatches.ShouldBe(2);

        // Delays are jittered between half and all of the cap: the first (cap 1 s) has surely elapsed after 1 s.
        time.Advance(TimeSpan.FromSeconds(1));
        await WaitUntilAsync(() => SliceWatches >= 3, "the relist after the first backoff delay");
        await Task.Delay(Settle);
        SliceLists.ShouldBe(3);

        // The second (cap 2 s) is at least 1 s: not elapsed after 0.9 s, surely elapsed after 2 s.
        time.Advance(TimeSpan.FromMilliseconds(900));
        await Task.Delay(Settle);
        SliceLists.ShouldBe(3, "the delay grows while watches keep expiring without events");

        time.Advance(TimeSpan.FromMilliseconds(1100));
        await WaitUntilAsync(() => SliceLists >= 4, "the relist after the grown delay");
        await Task.Delay(Settle);
        SliceLists.ShouldBe(4);
        recorder.Fault.ShouldBeNull();
    }

    private static async Task WaitUntilAsync(Func<bool> condition, string because)
    {
        using var cts = new CancellationTokenSource(Timeout);
        while (!condition())
        {
            if (cts.IsCancellationRequested)
            {
                throw new Xunit.Sdk.XunitException("Timed out waiting until " + because);
            }

            await Task.Delay(20);
        }
    }
}
