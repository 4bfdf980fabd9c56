using System.IO.Compression;
using System.Text;
using Microsoft.AspNetCore.Http;
using Registry.Adapters.Eureka.Tests.MemoryProbe;
using Registry.Adapters.Testing;
using Shouldly;
using Xunit;

namespace Registry.Adapters.Eureka.Tests;

/// <summary>Memory is measured process-wide: these run alone.</summary>
[CollectionDefinition(nameof(EurekaMemoryMeasurements), DisableParallelization = true)]
public sealed class EurekaMemoryMeasurements
{
}

/// <summary>Bodies that misbehave as a broken or hostile server can: a gzip bomb, a body that stalls after the headers.</summary>
[Collection(nameof(EurekaMemoryMeasurements))]
public sealed class EurekaBodyFaultTests : IAsyncLifetime
{
    private FakeEurekaServer _server = null!;

    public async Task InitializeAsync() => _server = await FakeEurekaServer.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    private static EurekaServiceRegistry Create(string url, Action<EurekaRegistryOptions> configure)
    {
        var options = new EurekaRegistryOptions { FetchInterval = TimeSpan.FromMilliseconds(100) };
        options.ServiceUrls.Add(url);
        configure(options);
        return new EurekaServiceRegistry("eureka", options);
    }

    /// <summary>
    /// A valid-looking apps body whose one string inflates to 512 MiB, ~0.5 MB on the wire: the JSON's head, 512 gzip members
    /// of 1 MiB of <c>A</c> each, and its tail. Concatenated members are one gzip stream (RFC 1952 §2.2) that every client
    /// inflates in full, and building it costs one 1 MiB compression instead of 512.
    /// </summary>
    public static byte[] Bomb(int mebibytes = 512)
    {
        static byte[] Member(ReadOnlySpan<byte> data)
        {
            using var output = new MemoryStream();
            using (var gzip = new GZipStream(output, CompressionLevel.SmallestSize))
            {
                gzip.Write(data);
            }

            return output.ToArray();
        }

        var chunk = new byte[1024 * 1024];
        Array.Fill(chunk, (byte)'A');
        var member = Member(chunk);
        using var body = new MemoryStream();
        body.Write(Member("{\"applications\":{\"versions__delta\":\"1\",\"apps__hashcode\":\""u8));
        for (var i = 0; i < mebibytes; i++)
        {
            body.Write(member);
        }

        body.Write(Member("\",\"application\":[]}}"u8));
        return body.ToArray();
    }

    /// <summary>Serves <paramref name="bomb"/> (gzip) for every request under <c>/bomb/</c>; everything else is the fake's own answer.</summary>
    public static Func<HttpContext, Task<bool>> ServeBombUnderBombPath(byte[] bomb) => async context =>
    {
        if (!context.Request.Path.StartsWithSegments("/bomb", StringComparison.Ordinal))
        {
            return false;
        }

        context.Response.ContentType = "application/json";
        context.Response.Headers.ContentEncoding = "gzip";
        context.Response.ContentLength = bomb.Length;
        await context.Response.Body.WriteAsync(bomb, context.RequestAborted);
        return true;
    };

    [Fact]
    public async Task ReadAsync_GzipBomb_RefusedCostingAboutTheCapAndReturningIt_MeasuredInAProcessOfItsOwn()
    {
        const long cap = 64L * 1024 * 1024;
        var bomb = Bomb();
        bomb.Length.ShouldBeLessThan(600_000, "about 0.5 MB on the wire");
        _server.Intercept = ServeBombUnderBombPath(bomb);

        var result = await MemoryProbeRun.RunAsync(_server.BaseUrl, cap, fetches: 3);

        result.Refused.ShouldBe(3, $"every bomb is refused by MaxResponseBytes: {result}");
        var context = $"cap {cap / 1048576} MiB; {result}";
        // One refused 512 MiB bomb costs about the cap (the chunks read up to it), not the inflated size and not a doubling
        // buffer's twice the cap (the code before the shared bounded reader: +2.0x cap here, and kept).
        (result.FirstPeakRss - result.BaselineRss).ShouldBeLessThan(cap * 3 / 2, context);
        (result.FirstPeakCommitted - result.BaselineCommitted).ShouldBeLessThan(cap * 3 / 2, context);
        // Back to back, a refused body's chunks (promoted while it was read) can outlive it until the next full
        // collection, so two bodies may overlap; the peak stays bounded, whatever the count.
        (result.PeakRss - result.BaselineRss).ShouldBeLessThan(3 * cap, context);
        // Returned afterwards: no pooled buffer grown to hold a body stays alive (before: +2x cap, for ever).
        (result.AfterCommitted - result.BaselineCommitted).ShouldBeLessThan(cap / 4, context);
        (result.AfterRss - result.BaselineRss).ShouldBeLessThan(cap / 2, context);
    }

    [Fact]
    public async Task Watch_BodyStallsAfterHeaders_FailsOverWithinBodyIdleTimeoutNotRequestTimeout()
    {
        _server.Register("ORDERS", FakeEurekaServer.InstanceJson("ORDERS", "o1", "10.0.0.1", 8080)).ShouldBeNull();
        var stalls = 0;
        _server.Intercept = async context =>
        {
            if (Interlocked.Increment(ref stalls) > 1)
            {
                return false;
            }

            context.Response.ContentType = "application/json";
            context.Response.ContentLength = 4096;
            await context.Response.WriteAsync("{\"applications\":");
            await context.Response.Body.FlushAsync();
            await Task.Delay(Timeout.Infinite, context.RequestAborted).ContinueWith(static _ => { }, TaskScheduler.Default);
            return true;
        };

        // RequestTimeout stays at its 30 s default: only the time between body bytes is short.
        await using var registry = Create(_server.BaseUrl, o => o.BodyIdleTimeout = TimeSpan.FromSeconds(1));
        await using var recorder = new WatchRecorder(registry);

        var retrying = await recorder.WaitForEventAsync<RegistryStateEvent>(s => s.State == RegistryConnectionState.Retrying, TimeSpan.FromSeconds(15), "the stall becomes a retry");
        retrying.Error.ShouldNotBeNull().ShouldContain("no byte for 1 s (BodyIdleTimeout)");
        await recorder.WaitForViewAsync(v => v.ContainsKey("ORDERS"), TimeSpan.FromSeconds(15), "the next fetch succeeds");
    }
}
