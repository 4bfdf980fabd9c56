using System.Text;
using Microsoft.AspNetCore.Http;
using Registry.Adapters.Testing;
using Shouldly;
using Xunit;

namespace Registry.Adapters.Eureka.Tests;

/// <summary>The registry against the fake in real time (100 ms fetches): content negotiation, faults, bad input, secrets.</summary>
public sealed class EurekaServiceRegistryTests : IAsyncLifetime
{
    private const string Password = "s3cr3t-Pa55";
    private FakeEurekaServer _server = null!;

    public async Task InitializeAsync() => _server = await FakeEurekaServer.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    private static EurekaServiceRegistry Create(string url, CapturingLoggerProvider? logs = null, Action<EurekaRegistryOptions>? configure = null)
    {
        var options = new EurekaRegistryOptions { FetchInterval = TimeSpan.FromMilliseconds(100), RequestTimeout = TimeSpan.FromSeconds(5) };
        options.ServiceUrls.Add(url);
        configure?.Invoke(options);
        return new EurekaServiceRegistry("eureka", options, loggerFactory: logs);
    }

    private void Put(string app, string id, int index) =>
        _server.Register(app, FakeEurekaServer.InstanceJson(app, id, $"10.0.0.{index}", 8080)).ShouldBeNull();

    [Fact]
    public async Task Fake_WithoutJsonAccept_AnswersXml()
    {
        Put("BILLING", "b1", 1);
        using var http = new HttpClient();

        var response = await http.GetAsync(_server.BaseUrl + "apps");
        var body = await response.Content.ReadAsStringAsync();

        response.Content.Headers.ContentType!.MediaType.ShouldBe("application/xml");
        body.ShouldStartWith("<applications><versions__delta>");
        body.ShouldContain("<port enabled=\"true\">8080</port>");
        body.ShouldContain("<dataCenterInfo class=\"com.netflix.appinfo.InstanceInfo$DefaultDataCenterInfo\"><name>MyOwn</name></dataCenterInfo>");
        body.ShouldContain("<apps__hashcode>UP_1_</apps__hashcode>");
    }

    [Fact]
    public async Task ReadAsync_AsksForJson_AndReadsTheRegistry()
    {
        Put("BILLING", "b1", 1);
        Put("ORDERS", "o1", 2);
        await using var registry = Create(_server.BaseUrl);

        var snapshot = await registry.ReadAsync();

        snapshot.Services.Keys.ShouldBe(["BILLING", "ORDERS"], ignoreOrder: true);
        snapshot.Revision.ShouldBe("UP_2_");
        _server.Requests.ShouldAllBe(r => r.Accept != null && r.Accept.Contains("json"));
        _server.GzipResponses.ShouldBe(1, "the client accepts gzip, as Eureka serves it");
        registry.Kind.ShouldBe("eureka");
    }

    [Fact]
    public async Task ReadAsync_CustomHttpMessageHandler_CarriesTheRequestsAndIsNotDisposed()
    {
        Put("ORDERS", "o1", 1);
        using var handler = new CountingHandler();
        await using (var registry = Create(_server.BaseUrl, configure: o => o.HttpMessageHandler = handler))
        {
            await registry.ReadAsync();
        }

        handler.Count.ShouldBe(1);
        using var reuse = new HttpClient(handler, disposeHandler: false);
        (await reuse.GetAsync(_server.BaseUrl + "apps")).IsSuccessStatusCode.ShouldBeTrue("the registry does not dispose a handler it does not own");
    }

    private sealed class CountingHandler() : DelegatingHandler(new SocketsHttpHandler())
    {
        private int _count;

        public int Count => Volatile.Read(ref _count);

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _count);
            return base.SendAsync(request, cancellationToken);
        }
    }

    [Fact]
    public async Task Watch_LegacyCodec_SingleObjectsAndStringNumbersAreRead()
    {
        _server.LegacyJson = true;
        Put("BILLING", "b1", 1);
        await using var registry = Create(_server.BaseUrl);
        await using var recorder = new WatchRecorder(registry);

        await recorder.ForViewAsync(v => v.ContainsKey("BILLING"), "BILLING from a legacy payload");
        Put("BILLING", "b2", 2);
        await recorder.ForViewAsync(v => v.TryGetValue("BILLING", out var b) && b.Count == 2, "the second instance by delta");

        recorder.View["BILLING"].ShouldAllBe(i => i.Ports.Single().Port == 8080);
        recorder.Events.OfType<RegistrySnapshotEvent>().ShouldHaveSingleItem();
    }

    [Fact]
    public async Task Watch_ServerAnswers500_RetriesKeepsDataAndRecovers()
    {
        Put("ORDERS", "o1", 1);
        await using var registry = Create(_server.BaseUrl);
        await using var recorder = new WatchRecorder(registry);
        await recorder.ForViewAsync(v => v.ContainsKey("ORDERS"), "initial");

        _server.FailWithStatus = 500;
        var failure = await recorder.ForEventAsync<RegistryStateEvent>(s => s.State == RegistryConnectionState.Retrying, "retrying");
        failure.Error!.ShouldContain("500");
        failure.RetryIn.ShouldNotBeNull();
        recorder.View.ContainsKey("ORDERS").ShouldBeTrue("nothing is dropped while failing");

        _server.FailWithStatus = null;
        Put("ORDERS", "o2", 2);
        await recorder.ForViewAsync(v => v.TryGetValue("ORDERS", out var o) && o.Count == 2, "recovered");
        recorder.Events.OfType<RegistrySnapshotEvent>().Last().IsResync.ShouldBeTrue("after an outage the registry is re-read in full");
    }

    [Fact]
    public async Task Watch_CutShortBody_RetriesAndRecovers()
    {
        Put("ORDERS", "o1", 1);
        await using var registry = Create(_server.BaseUrl);
        await using var recorder = new WatchRecorder(registry);
        await recorder.ForViewAsync(v => v.ContainsKey("ORDERS"), "initial");

        _server.CutShortBodies = true;
        await recorder.ForEventAsync<RegistryStateEvent>(s => s.State == RegistryConnectionState.Retrying, "retrying after a cut-short body");
        _server.CutShortBodies = false;
        Put("ORDERS", "o2", 2);

        await recorder.ForViewAsync(v => v.TryGetValue("ORDERS", out var o) && o.Count == 2, "recovered");
        recorder.Fault.ShouldBeNull();
    }

    [Fact]
    public async Task Watch_StalledBody_TimesOutRetriesAndRecovers()
    {
        Put("ORDERS", "o1", 1);
        _server.Intercept = async context =>
        {
            context.Response.ContentType = "application/json";
            context.Response.ContentLength = 1000;
            await context.Response.WriteAsync("{\"applications\":");
            await context.Response.Body.FlushAsync();
            try
            {
                await Task.Delay(TimeSpan.FromSeconds(30), context.RequestAborted);
            }
            catch (OperationCanceledException)
            {
            }

            return true;
        };
        await using var registry = Create(_server.BaseUrl, configure: o => o.RequestTimeout = TimeSpan.FromMilliseconds(300));
        await using var recorder = new WatchRecorder(registry);

        var failure = await recorder.ForEventAsync<RegistryStateEvent>(s => s.State == RegistryConnectionState.Retrying, "a stalled body times out");
        failure.Error!.ShouldContain("timed out");
        _server.Intercept = null;

        await recorder.ForViewAsync(v => v.ContainsKey("ORDERS"), "recovered");
    }

    [Fact]
    public async Task Watch_MalformedJson_ReportsErrorAndKeepsLastGoodData()
    {
        Put("ORDERS", "o1", 1);
        await using var registry = Create(_server.BaseUrl);
        await using var recorder = new WatchRecorder(registry);
        await recorder.ForViewAsync(v => v.ContainsKey("ORDERS"), "initial");

        _server.Intercept = async context =>
        {
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync("""{"applications":{"application":[{"name":"ORDERS","instance":[{"instanceId":""");
            return true;
        };
        var failure = await recorder.ForEventAsync<RegistryStateEvent>(s => s.State == RegistryConnectionState.Retrying, "retrying on malformed JSON");
        failure.Error!.ShouldContain("malformed JSON");
        recorder.Events.OfType<ServiceChangedEvent>().ShouldBeEmpty();

        _server.Intercept = null;
        await recorder.ForEventAsync<RegistryStateEvent>(s => s.State == RegistryConnectionState.Connected, "connected again", skip: 1);
        recorder.View["ORDERS"].ShouldHaveSingleItem();
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Watch_BodyLargerThanMaxResponseBytes_FailsThatFetchAndKeepsLastGoodData(bool chunked)
    {
        Put("ORDERS", "o1", 1);
        await using var registry = Create(_server.BaseUrl, configure: o => o.MaxResponseBytes = 4096);
        await using var recorder = new WatchRecorder(registry);
        await recorder.ForViewAsync(v => v.ContainsKey("ORDERS"), "initial");

        // A valid body padded past the cap: without the cap it parses fine (and an endless one would exhaust memory).
        var padding = new string(' ', 8192);
        var body = "{\"applications\":{\"versions__delta\":\"1\",\"apps__hashcode\":\"\",\"application\":[]}" + padding + "}";
        _server.Intercept = async context =>
        {
            context.Response.ContentType = "application/json";
            if (!chunked)
            {
                context.Response.ContentLength = System.Text.Encoding.UTF8.GetByteCount(body);
            }

            await context.Response.WriteAsync(body);
            return true;
        };
        var failure = await recorder.ForEventAsync<RegistryStateEvent>(s => s.State == RegistryConnectionState.Retrying, "retrying on an oversized body");
        failure.Error!.ShouldContain("MaxResponseBytes");
        recorder.Events.OfType<ServiceChangedEvent>().ShouldBeEmpty();
        recorder.View["ORDERS"].ShouldHaveSingleItem();

        _server.Intercept = null;
        await recorder.ForEventAsync<RegistryStateEvent>(s => s.State == RegistryConnectionState.Connected, "connected again", skip: 1);
        recorder.View["ORDERS"].ShouldHaveSingleItem();
    }

    [Fact]
    public void Validate_MaxResponseBytesTooSmall_NamesTheSetting()
    {
        var options = new EurekaRegistryOptions { MaxResponseBytes = 10 };
        options.ServiceUrls.Add("http://localhost:8761/eureka/");
        options.Validate("Mesh:Registries:0").ShouldContain(e => e.Contains("Mesh:Registries:0:MaxResponseBytes", StringComparison.Ordinal));
        new EurekaRegistryOptions().MaxResponseBytes.ShouldBe(64L * 1024 * 1024);
    }

    [Fact]
    public async Task Watch_HostileRecords_SkippedAndReportedNeighboursKept()
    {
        Put("ORDERS", "o1", 1);
        _server.Register("ORD/ERS", FakeEurekaServer.InstanceJson("ORD/ERS", "x1", "10.0.0.9", 8080), validate: false).ShouldBeNull();
        _server.Register("ORDERS", FakeEurekaServer.InstanceJson("ORDERS", "o2", "10.0.0.2", 70000)).ShouldBeNull();
        var logs = new CapturingLoggerProvider();
        await using var registry = Create(_server.BaseUrl, logs);
        await using var recorder = new WatchRecorder(registry);

        await recorder.ForViewAsync(v => v.ContainsKey("ORDERS"), "orders");
        var skipped = await recorder.WaitForSkippedAsync(s => s.Reason.Contains("70000"), TimeSpan.FromSeconds(20), "the out-of-range port reported");
        await recorder.WaitForSkippedAsync(s => s.Key.StartsWith("ORD/ERS", StringComparison.Ordinal), TimeSpan.FromSeconds(20), "the hostile app reported");

        recorder.View.Keys.ShouldBe(["ORDERS"]);
        recorder.View["ORDERS"].ShouldHaveSingleItem().Id.ShouldBe("o1");
        skipped.Key.ShouldBe("ORDERS/o2");
        logs.Lines.Count(l => l.Contains("skipped record ORDERS/o2") && l.Contains("70000")).ShouldBe(1, "logged once");

        Put("ORDERS", "o3", 3);
        await recorder.ForViewAsync(v => v["ORDERS"].Count == 2, "deltas keep flowing past bad records");
        recorder.Skipped.Count.ShouldBe(2, "a skipped record is reported once, in the snapshot or as an event");
    }

    [Fact]
    public async Task Watch_BasicAuthFromUserInfo_SentAsHeaderAndNeverShown()
    {
        _server.Credentials = ("eureka", Password);
        Put("ORDERS", "o1", 1);
        var logs = new CapturingLoggerProvider();
        await using var registry = Create(_server.UrlWithCredentials("eureka", Password), logs);
        await using var recorder = new WatchRecorder(registry);

        await recorder.ForViewAsync(v => v.ContainsKey("ORDERS"), "authorised read");
        _server.Requests.ShouldAllBe(r => r.Authorization == "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes("eureka:" + Password)));
        _server.Requests.ShouldAllBe(r => !r.Path.Contains(Password) && !r.Query.Contains(Password));

        _server.Credentials = ("eureka", "rotated");
        var failure = await recorder.ForEventAsync<RegistryStateEvent>(s => s.State == RegistryConnectionState.Failed, "401 is reported as failed");
        failure.Error!.ShouldContain("401");
        failure.Error!.ShouldContain(_server.BaseUrl);

        var everything = string.Join("\n", logs.Lines.Concat(recorder.Events.Select(WatchRecorder.Describe)).Concat(recorder.Events.OfType<RegistryStateEvent>().Select(s => s.Error ?? string.Empty)));
        everything.ShouldNotContain(Password);
        everything.ShouldNotContain(Convert.ToBase64String(Encoding.UTF8.GetBytes("eureka:" + Password)));
        var read = await Should.ThrowAsync<RegistryException>(registry.ReadAsync());
        read.Message.ShouldNotContain(Password);
        read.IsPermanent.ShouldBeTrue();
    }

    [Fact]
    public async Task Watch_WithMeterFactory_RecordsSyncDurationAndErrors()
    {
        Put("ORDERS", "o1", 1);
        var services = new Microsoft.Extensions.DependencyInjection.ServiceCollection();
        Microsoft.Extensions.DependencyInjection.MetricsServiceExtensions.AddMetrics(services);
        await using var provider = Microsoft.Extensions.DependencyInjection.ServiceCollectionContainerBuilderExtensions.BuildServiceProvider(services);
        var factory = Microsoft.Extensions.DependencyInjection.ServiceProviderServiceExtensions.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>(provider);
        var seen = new System.Collections.Concurrent.ConcurrentBag<string>();
        using var listener = new System.Diagnostics.Metrics.MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == "Registry.Adapters")
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<double>((instrument, _, tags, _) => seen.Add(instrument.Name + "|" + string.Join(",", tags.ToArray().Select(t => $"{t.Key}={t.Value}"))));
        listener.SetMeasurementEventCallback<long>((instrument, _, tags, _) => seen.Add(instrument.Name + "|" + string.Join(",", tags.ToArray().Select(t => $"{t.Key}={t.Value}"))));
        listener.Start();
        var options = new EurekaRegistryOptions { FetchInterval = TimeSpan.FromMilliseconds(100) };
        options.ServiceUrls.Add(_server.BaseUrl);
        await using var registry = new EurekaServiceRegistry("eureka", options, meterFactory: factory);
        await using var recorder = new WatchRecorder(registry);
        await recorder.ForViewAsync(v => v.ContainsKey("ORDERS"), "initial");
        await Wait.UntilAsync(() => seen.Any(s => s.Contains("eureka.fetch=delta")), "a delta fetch measured");

        _server.FailWithStatus = 503;
        await Wait.UntilAsync(() => seen.Any(s => s.StartsWith("registry.errors|", StringComparison.Ordinal)), "an error counted");

        seen.ShouldContain(s => s.StartsWith("registry.sync.duration|", StringComparison.Ordinal) && s.Contains("registry.name=eureka") && s.Contains("registry.kind=eureka") && s.Contains("eureka.fetch=full"));
    }

    [Fact]
    public async Task Watch_AllServersDown_RetriesThenRecoversWhenOneReturns()
    {
        Put("ORDERS", "o1", 1);
        await using var registry = Create(_server.BaseUrl);
        await using var recorder = new WatchRecorder(registry);
        await recorder.ForViewAsync(v => v.ContainsKey("ORDERS"), "initial");

        await _server.StopAsync();
        var failure = await recorder.ForEventAsync<RegistryStateEvent>(s => s.State == RegistryConnectionState.Retrying, "connection refused");
        failure.Error!.ShouldContain(_server.BaseUrl);

        await _server.RestartAsync();
        Put("ORDERS", "o2", 2);
        await recorder.ForViewAsync(v => v["ORDERS"].Count == 2, "back");
    }
}
