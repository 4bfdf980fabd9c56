using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Shouldly;
using Xunit;

namespace Registry.Adapters.Sync.Tests.Serve;

/// <summary>Every endpoint of <c>serve</c> against a File registry, on a real Kestrel on loopback.</summary>
public sealed class ServeApiTests : IAsyncLifetime
{
    private readonly TempCatalogs _files = new();
    private ServedMesh _mesh = null!;

    public async Task InitializeAsync()
    {
        var path = _files.Write("a.json", TempCatalogs.A);
        _mesh = await ServedMesh.StartAsync(mesh => mesh.AddFile("file", o => o.Path = path));
        await _mesh.WaitUntilAsync(s => s.Registries.All(r => r.State == RegistryState.Ready), "the file registry is ready");
    }

    public async Task DisposeAsync()
    {
        await _mesh.DisposeAsync();
        _files.Dispose();
    }

    [Fact]
    public async Task Catalog_FileRegistry_ReturnsTheListDocument()
    {
        var catalog = await _mesh.GetJsonAsync("/v1/catalog");

        catalog.GetProperty("revision").GetInt64().ShouldBe(_mesh.Catalog.Current.Revision);
        catalog.GetProperty("services").EnumerateArray().Select(s => s.GetProperty("name").GetString()).ShouldBe(["orders", "payments"]);
        var orders1 = catalog.GetProperty("services")[0].GetProperty("instances")[0];
        orders1.GetProperty("registry").GetString().ShouldBe("file");
        orders1.GetProperty("id").GetString().ShouldBe("orders-1");
        orders1.GetProperty("zone").GetString().ShouldBe("us-east-1a");
        orders1.GetProperty("ports")[0].GetProperty("port").GetInt32().ShouldBe(8080);
        orders1.GetProperty("stale").GetBoolean().ShouldBeFalse();
        var registry = catalog.GetProperty("registries").EnumerateArray().Single();
        registry.GetProperty("name").GetString().ShouldBe("file");
        registry.GetProperty("state").GetString().ShouldBe("ready");
    }

    [Fact]
    public async Task Catalog_SameRevisionWithETag_NotModified()
    {
        using var first = await _mesh.Http.GetAsync("/v1/catalog");
        var etag = first.Headers.ETag!;
        using var request = new HttpRequestMessage(HttpMethod.Get, "/v1/catalog");
        request.Headers.IfNoneMatch.Add(etag);

        using var second = await _mesh.Http.SendAsync(request);

        second.StatusCode.ShouldBe(HttpStatusCode.NotModified);
    }

    [Fact]
    public async Task Service_Known_ReturnsItsInstances()
    {
        var service = await _mesh.GetJsonAsync("/v1/services/ORDERS");

        service.GetProperty("name").GetString().ShouldBe("orders");
        service.GetProperty("instances").EnumerateArray().Select(i => i.GetProperty("health").GetString()).ShouldBe(["healthy", "draining"]);
    }

    [Fact]
    public async Task Service_Unknown_NotFoundWithError()
    {
        using var response = await _mesh.Http.GetAsync("/v1/services/nope");

        response.StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await response.Content.ReadAsStringAsync()).ShouldContain("no such mesh service");
    }

    [Fact]
    public async Task Registries_FileRegistry_KindStateCountsAndLastChange()
    {
        var registries = await _mesh.GetJsonAsync("/v1/registries");

        var file = registries.GetProperty("registries").EnumerateArray().Single();
        file.GetProperty("kind").GetString().ShouldBe("file");
        file.GetProperty("state").GetString().ShouldBe("ready");
        file.GetProperty("services").GetInt32().ShouldBe(2);
        file.GetProperty("instances").GetInt32().ShouldBe(3);
        file.GetProperty("lastChange").GetDateTimeOffset().ShouldBeGreaterThan(DateTimeOffset.MinValue);
        registries.GetProperty("conflicts").GetArrayLength().ShouldBe(0);
    }

    [Fact]
    public async Task Probes_Synced_LiveAndReady()
    {
        using var live = await _mesh.Http.GetAsync("/healthz");
        live.StatusCode.ShouldBe(HttpStatusCode.OK);

        var ready = await _mesh.GetJsonAsync("/readyz");
        ready.GetProperty("ready").GetBoolean().ShouldBeTrue();
        ready.GetProperty("registries")[0].GetProperty("state").GetString().ShouldBe("ready");
    }

    [Fact]
    public async Task Metrics_PrometheusText_CarriesTheLibraryMeters()
    {
        using var response = await _mesh.Http.GetAsync("/metrics");
        var text = await response.Content.ReadAsStringAsync();

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        text.ShouldContain("registry_catalog_services");
        text.ShouldContain("# TYPE");
    }

    [Fact]
    public async Task Dashboard_Root_ServesThePageWithItsScriptAndStyle()
    {
        using var page = await _mesh.Http.GetAsync("/");
        var html = await page.Content.ReadAsStringAsync();

        page.Content.Headers.ContentType!.MediaType.ShouldBe("text/html");
        page.Headers.GetValues("Content-Security-Policy").Single().ShouldContain("default-src 'self'");
        html.ShouldContain("app.js");
        (await _mesh.Http.GetAsync("/app.js")).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await _mesh.Http.GetAsync("/app.css")).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await _mesh.Http.GetAsync("/nope.js")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Post_AnyEndpoint_MethodNotAllowed()
    {
        using var response = await _mesh.Http.PostAsync("/v1/catalog", new StringContent("{}"));

        response.StatusCode.ShouldBe(HttpStatusCode.MethodNotAllowed);
    }
}
