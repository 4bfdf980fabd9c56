using BenchmarkDotNet.Attributes;
using Microsoft.AspNetCore.Http;
using Registry.Adapters.Eureka;
using Registry.Adapters.Eureka.Tests;

namespace Registry.Adapters.Benchmarks.Eureka;

/// <summary>
/// What a refused gzip bomb costs beside what an accepted body of the cap's size costs, both through
/// <see cref="EurekaServiceRegistry.ReadAsync"/> over loopback from the fake: the bomb (512 MiB inflating from ~0.5 MB,
/// <see cref="EurekaBodyFaultTests.Bomb"/>) refused at <c>MaxResponseBytes</c>, and a plain apps body just under the cap
/// (its bulk in a field the lean read model skips) read and parsed. Allocated bytes per operation say the refusal costs about
/// the cap; the peak and what stays afterwards are measured in a process of its own by
/// <c>EurekaBodyFaultTests.ReadAsync_GzipBomb_RefusedCostingAboutTheCapAndReturningIt_MeasuredInAProcessOfItsOwn</c>.
/// </summary>
[MemoryDiagnoser]
public class EurekaGzipBombBenchmarks
{
    private FakeEurekaServer _server = null!;
    private EurekaServiceRegistry _plain = null!;
    private EurekaServiceRegistry _bomb = null!;

    public static IEnumerable<int> CapsMiB => BenchmarkSettings.Sizes(1, 64);

    /// <summary><c>MaxResponseBytes</c>, in MiB.</summary>
    [ParamsSource(nameof(CapsMiB))]
    public int CapMiB { get; set; }

    [GlobalSetup]
    public async Task SetupAsync()
    {
        var cap = CapMiB * 1024L * 1024;
        var bomb = EurekaBodyFaultTests.Bomb(BenchmarkSettings.Smoke ? 8 : 512);
        var plain = PlainBody((int)cap - 1024);
        var serveBomb = EurekaBodyFaultTests.ServeBombUnderBombPath(bomb);
        _server = await FakeEurekaServer.StartAsync();
        _server.Intercept = async context =>
        {
            if (!context.Request.Path.StartsWithSegments("/plain", StringComparison.Ordinal))
            {
                return await serveBomb(context);
            }

            context.Response.ContentType = "application/json";
            context.Response.ContentLength = plain.Length;
            await context.Response.Body.WriteAsync(plain, context.RequestAborted);
            return true;
        };
        _plain = Registry(_server.BaseUrl.Replace("/eureka/", "/plain/eureka/", StringComparison.Ordinal), cap);
        _bomb = Registry(_server.BaseUrl.Replace("/eureka/", "/bomb/eureka/", StringComparison.Ordinal), cap);
        await PlainBodyOfTheCapSize();
        await RefusedBomb();
    }

    [GlobalCleanup]
    public async Task CleanupAsync()
    {
        await _plain.DisposeAsync();
        await _bomb.DisposeAsync();
        await _server.DisposeAsync();
    }

    /// <summary>An accepted, uncompressed body just under the cap: read into one array and parsed.</summary>
    [Benchmark(Baseline = true)]
    public async Task<int> PlainBodyOfTheCapSize() => (await _plain.ReadAsync()).Services.Count;

    /// <summary>The bomb, inflated up to the cap and refused.</summary>
    [Benchmark]
    public async Task<int> RefusedBomb()
    {
        try
        {
            await _bomb.ReadAsync();
        }
        catch (RegistryException ex) when (ex.Message.Contains("MaxResponseBytes", StringComparison.Ordinal))
        {
            return 0;
        }

        throw new InvalidOperationException("the bomb was not refused");
    }

    private static EurekaServiceRegistry Registry(string url, long cap)
    {
        var options = new EurekaRegistryOptions { MaxResponseBytes = cap };
        options.ServiceUrls.Add(url);
        return new EurekaServiceRegistry("eureka", options);
    }

    private static byte[] PlainBody(int size)
    {
        var head = "{\"applications\":{\"versions__delta\":\"1\",\"apps__hashcode\":\"\",\"application\":[],\"padding\":\""u8;
        var tail = "\"}}"u8;
        var body = new byte[size];
        head.CopyTo(body);
        body.AsSpan(head.Length, size - head.Length - tail.Length).Fill((byte)'A');
        tail.CopyTo(body.AsSpan(size - tail.Length));
        return body;
    }
}
