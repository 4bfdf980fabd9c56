using System.Collections.Concurrent;
using System.Net;
using System.Text;
using Microsoft.Extensions.Time.Testing;
using Registry.Adapters.Consul.Tests.Fake;
using Registry.Adapters.Testing;
using Shouldly;
using Xunit;

namespace Registry.Adapters.Consul.Tests;

/// <summary>How many requests the watch makes: counts on a simulated clock, never wall-clock times.</summary>
public sealed class ConsulRequestBudgetTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Watch_TenIdleMinutesFiftyServices_OneBlockingQueryPerWatchPerWait()
    {
        var time = new FakeTimeProvider();
        await using var fake = await FakeConsulServer.StartAsync(time);
        for (var i = 0; i < 50; i++)
        {
            fake.PutService($"node-{i}", $"10.4.0.{i + 1}", new FakeServiceSpec($"svc-{i}-1", $"svc-{i}") { Port = 8080 });
        }

        await using var registry = ConsulTestSupport.CreateRegistry(fake, o =>
        {
            o.Wait = TimeSpan.FromMinutes(5);
            o.MinQueryInterval = TimeSpan.FromMilliseconds(100);
            o.RequestTimeout = TimeSpan.FromSeconds(30);
        }, time: time);
        await using var recorder = new WatchRecorder(registry);
        await recorder.WaitForViewAsync(v => v.Count == 50, Timeout, "50 services");

        string[] paths = ["/v1/catalog/services", .. Enumerable.Range(0, 50).Select(i => $"/v1/health/service/svc-{i}")];
        for (var second = 1; second <= 600; second++)
        {
            time.Advance(TimeSpan.FromSeconds(1));
            await ConsulTestSupport.WaitUntilAsync(() => fake.BlockingInFlight == 51 && paths.All(p => fake.InFlight(p) == 1), $"every watch blocks again at {second} s");
        }

        var requests = fake.Requests.ToArray();
        var summary = string.Join(", ", requests.GroupBy(r => r.Path).Select(g => $"{g.Key}: {string.Join(" ", g.Select(r => r.Query))}").Take(5))
            + " | events: " + string.Join(" | ", recorder.Events.Select(WatchRecorder.Describe));
        var initial = requests.Count(r => !r.Query.Contains("index="));
        initial.ShouldBe(51, "one plain read of the catalog and of each service; " + summary);
        var perLoop = requests.Where(r => r.Query.Contains("index=")).GroupBy(r => r.Path).ToDictionary(g => g.Key, g => g.Count());
        perLoop.Count.ShouldBe(51, "one loop on the catalog and one per service");
        // wait = 5 min (+ up to 1/16 jitter): in 10 minutes a loop holds its first query, its second, and may just have opened a third.
        perLoop.Values.ShouldAllBe(n => n >= 2 && n <= 3, summary);
        requests.Length.ShouldBeLessThanOrEqualTo(51 + (51 * 3));
        recorder.Events.OfType<ServiceChangedEvent>().ShouldBeEmpty("nothing changed");
    }

    [Fact]
    public async Task Watch_ServerAnswersAtOnce_LoopIsRateLimited()
    {
        var time = new FakeTimeProvider();
        var handler = new InstantConsul();
        var settings = ConsulSettings.Create(new ConsulRegistryOptions
        {
            Address = "http://consul.invalid:8500",
            UseEnvironment = false,
            MinQueryInterval = TimeSpan.FromSeconds(1),
            HttpMessageHandlerFactory = () => handler,
        }, "Consul");
        await using var registry = new ConsulServiceRegistry("consul", settings, Microsoft.Extensions.Logging.Abstractions.NullLoggerFactory.Instance, time);
        await using var recorder = new WatchRecorder(registry);
        await recorder.WaitForViewAsync(v => v.ContainsKey("web"), Timeout, "web");
        await ConsulTestSupport.WaitUntilAsync(() => handler.Count("/v1/health/service/web") == 2, "the first blocking query came back at once");

        // Without the clock moving, a server that never blocks gets no more requests.
        await Task.Delay(300);
        handler.Count("/v1/health/service/web").ShouldBe(2);

        for (var i = 1; i <= 10; i++)
        {
            time.Advance(TimeSpan.FromSeconds(1));
            await ConsulTestSupport.WaitUntilAsync(() => handler.Count("/v1/health/service/web") == 2 + i, $"one query per MinQueryInterval ({i})");
        }

        handler.Count("/v1/health/service/web").ShouldBe(12, "one query per second of simulated time, no spinning");
        recorder.Events.OfType<ServiceChangedEvent>().ShouldBeEmpty("the same index and payload are no change");
    }

    /// <summary>A broken server: answers every query at once with the same index.</summary>
    private sealed class InstantConsul : HttpMessageHandler
    {
        private readonly ConcurrentDictionary<string, int> _counts = new();

        public int Count(string path) => _counts.TryGetValue(path, out var n) ? n : 0;

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var path = request.RequestUri!.AbsolutePath;
            _counts.AddOrUpdate(path, 1, (_, n) => n + 1);
            var body = path == "/v1/catalog/services"
                ? """{"web":[]}"""
                : """[{"Node":{"Node":"a","Address":"10.0.0.1"},"Service":{"ID":"web-1","Service":"web","Port":80},"Checks":[]}]""";
            var response = new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
            response.Headers.Add("X-Consul-Index", "7");
            return Task.FromResult(response);
        }
    }
}
