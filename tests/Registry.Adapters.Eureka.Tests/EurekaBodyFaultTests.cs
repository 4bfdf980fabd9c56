using System.IO.Compression;
using System.Text;
using Microsoft.AspNetCore.Http;
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
    private const long Cap = 8L * 1024 * 1024;
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

    /// <summary>A valid-looking apps body whose one string inflates to 64 MiB: 8 times the cap, ~65 KiB on the wire.</summary>
    private static byte[] Bomb()
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.SmallestSize))
        {
            gzip.Write("{\"applications\":{\"versions__delta\":\"1\",\"apps__hashcode\":\""u8);
            var chunk = new byte[1024 * 1024];
            Array.Fill(chunk, (byte)'A');
            for (var i = 0; i < 64; i++)
            {
                gzip.Write(chunk);
            }

            gzip.Write("\",\"application\":[]}}"u8);
        }

        return output.ToArray();
    }

    [Fact]
    public async Task ReadAsync_GzipBomb_RefusedCostingAboutTheCapAndReturningIt()
    {
        var bomb = Bomb();
        _server.Intercept = async context =>
        {
            context.Response.ContentType = "application/json";
            context.Response.Headers.ContentEncoding = "gzip";
            context.Response.ContentLength = bomb.Length;
            await context.Response.Body.WriteAsync(bomb);
            return true;
        };
        await using var registry = Create(_server.BaseUrl, o => o.MaxResponseBytes = Cap);

        // Warm up (JIT, connection, first allocations), then measure a second refused fetch.
        await Should.ThrowAsync<RegistryException>(() => registry.ReadAsync());
        var before = GC.GetTotalMemory(forceFullCollection: true);
        var allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);

        var ex = await Should.ThrowAsync<RegistryException>(() => registry.ReadAsync());

        var allocated = GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore;
        var after = GC.GetTotalMemory(forceFullCollection: true);
        ex.Message.ShouldContain("MaxResponseBytes");

        // Everything allocated while refusing it bounds the peak: about the cap, not the 64 MiB it inflates to.
        allocated.ShouldBeLessThan(2 * Cap, $"allocated {allocated} bytes refusing a body capped at {Cap}");

        // And none of it stays reachable (no pooled buffer grown to hold the body).
        (after - before).ShouldBeLessThan(Cap / 4, $"{after - before} bytes still reachable after the refused body");
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
