using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Shouldly;
using Xunit;

namespace Registry.Adapters.Eureka.Tests;

/// <summary>The fake itself behaves as Eureka does on the wire (so tests against it mean something).</summary>
public sealed class FakeEurekaServerTests : IAsyncLifetime
{
    private readonly CountingTimeProvider _clock = new();
    private readonly HttpClient _http = new();
    private FakeEurekaServer _server = null!;

    public async Task InitializeAsync() => _server = await FakeEurekaServer.StartAsync(_clock);

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _server.DisposeAsync();
    }

    private async Task<JsonObject> GetJsonAsync(string path)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, _server.BaseUrl + path);
        request.Headers.Accept.ParseAdd("application/json");
        using var response = await _http.SendAsync(request);
        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        return JsonNode.Parse(await response.Content.ReadAsStringAsync())!.AsObject();
    }

    [Fact]
    public void Register_OutOfServiceOverAnUpLease_KeepsUp_DownOverUpWins()
    {
        _server.Register("BILLING", FakeEurekaServer.InstanceJson("BILLING", "b1", "10.0.0.1", 8080)).ShouldBeNull();

        _server.Register("BILLING", FakeEurekaServer.InstanceJson("BILLING", "b1", "10.0.0.1", 8080, status: "OUT_OF_SERVICE")).ShouldBeNull();
        _server.GetInstance("BILLING", "b1")!["status"]!.ToString().ShouldBe("UP", "LeaseExistsRule: the existing lease's UP is kept");

        _server.Register("BILLING", FakeEurekaServer.InstanceJson("BILLING", "b1", "10.0.0.1", 8080, status: "DOWN")).ShouldBeNull();
        _server.GetInstance("BILLING", "b1")!["status"]!.ToString().ShouldBe("DOWN", "DownOrStartingRule: a registered DOWN wins");
    }

    [Fact]
    public async Task ReplicationHeader_Counted()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, _server.BaseUrl + "apps");
        request.Headers.Add(FakeEurekaServer.ReplicationHeader, "true");

        using var response = await _http.SendAsync(request);

        _server.ReplicationRequests.ShouldBe(1);
    }

    [Fact]
    public async Task Register_OverHttp_204AndMismatchedAppIs400()
    {
        var body = new JsonObject { ["instance"] = FakeEurekaServer.InstanceJson("BILLING", "b1", "10.0.0.1", 8080) };

        using var ok = await _http.PostAsync(_server.BaseUrl + "apps/BILLING", new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json"));
        using var mismatch = await _http.PostAsync(_server.BaseUrl + "apps/LEDGER", new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json"));
        body["instance"]!.AsObject().Remove("dataCenterInfo");
        using var noDataCenter = await _http.PostAsync(_server.BaseUrl + "apps/BILLING", new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json"));

        ok.StatusCode.ShouldBe(HttpStatusCode.NoContent);
        mismatch.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await mismatch.Content.ReadAsStringAsync()).ShouldContain("Mismatched appName");
        noDataCenter.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task Renew_UnknownOrNewerDirtyTimestamp_404()
    {
        _server.Register("BILLING", FakeEurekaServer.InstanceJson("BILLING", "b1", "10.0.0.1", 8080)).ShouldBeNull();

        using var known = await _http.PutAsync(_server.BaseUrl + "apps/BILLING/b1?status=UP&lastDirtyTimestamp=1767225599000", null);
        using var newer = await _http.PutAsync(_server.BaseUrl + "apps/BILLING/b1?status=UP&lastDirtyTimestamp=1767225599999", null);
        using var unknown = await _http.PutAsync(_server.BaseUrl + "apps/BILLING/nope", null);

        known.StatusCode.ShouldBe(HttpStatusCode.OK);
        newer.StatusCode.ShouldBe(HttpStatusCode.NotFound);
        unknown.StatusCode.ShouldBe(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Delta_KeptForRetentionWindowThenEmpty_HashDescribesWholeRegistry()
    {
        _server.Register("BILLING", FakeEurekaServer.InstanceJson("BILLING", "b1", "10.0.0.1", 8080)).ShouldBeNull();
        _clock.Advance(TimeSpan.FromMinutes(1));
        _server.Renew("BILLING", "b1");
        _clock.Advance(TimeSpan.FromMinutes(1));
        _server.Renew("BILLING", "b1");
        _server.Register("BILLING", FakeEurekaServer.InstanceJson("BILLING", "b2", "10.0.0.2", 8080, "DOWN")).ShouldBeNull();

        var first = await GetJsonAsync("apps/delta");
        var again = await GetJsonAsync("apps/delta");
        _clock.Advance(TimeSpan.FromMinutes(1.5));
        _server.Renew("BILLING", "b1");
        _server.Renew("BILLING", "b2");
        var later = await GetJsonAsync("apps/delta");
        _clock.Advance(TimeSpan.FromMinutes(2));
        var empty = await GetJsonAsync("apps/delta");

        first["applications"]!["application"]![0]!["instance"]!.AsArray().Count.ShouldBe(2);
        again.ToJsonString().ShouldBe(first.ToJsonString(), "the same delta is served again within the window");
        later["applications"]!["application"]![0]!["instance"]!.AsArray().ShouldHaveSingleItem()!["instanceId"]!.ToString().ShouldBe("b2");
        later["applications"]!["apps__hashcode"]!.ToString().ShouldBe("DOWN_1_UP_1_");
        empty["applications"]!["application"]!.AsArray().ShouldBeEmpty();
        empty["applications"]!["apps__hashcode"]!.ToString().ShouldBe("DOWN_1_UP_1_");
    }

    [Fact]
    public async Task Apps_Empty_HashIsEmptyStringAndVersionAString()
    {
        var apps = await GetJsonAsync("apps");

        apps.ToJsonString().ShouldBe("""{"applications":{"versions__delta":"1","apps__hashcode":"","application":[]}}""");
    }

    [Fact]
    public async Task StatusOverride_UnknownInstance404_InvalidValue500_OverrideShownInStatus()
    {
        _server.Register("BILLING", FakeEurekaServer.InstanceJson("BILLING", "b1", "10.0.0.1", 8080)).ShouldBeNull();

        using var missing = await _http.PutAsync(_server.BaseUrl + "apps/BILLING/nope/status?value=OUT_OF_SERVICE", null);
        using var invalid = await _http.PutAsync(_server.BaseUrl + "apps/BILLING/b1/status?value=SIDEWAYS", null);
        using var ok = await _http.PutAsync(_server.BaseUrl + "apps/BILLING/b1/status?value=OUT_OF_SERVICE", null);
        var instance = (await GetJsonAsync("apps/BILLING/b1"))["instance"]!;

        missing.StatusCode.ShouldBe(HttpStatusCode.NotFound);
        invalid.StatusCode.ShouldBe(HttpStatusCode.InternalServerError);
        ok.StatusCode.ShouldBe(HttpStatusCode.OK);
        instance["status"]!.ToString().ShouldBe("OUT_OF_SERVICE");
        instance["overriddenStatus"]!.ToString().ShouldBe("OUT_OF_SERVICE");
        _server.HashCode.ShouldBe("OUT_OF_SERVICE_1_");
    }

    [Fact]
    public async Task LegacyJson_SingleElementsAreObjectsAndNumbersStrings()
    {
        _server.LegacyJson = true;
        _server.Register("BILLING", FakeEurekaServer.InstanceJson("BILLING", "b1", "10.0.0.1", 8080)).ShouldBeNull();

        var apps = await GetJsonAsync("apps");

        var application = apps["applications"]!["application"].ShouldBeOfType<JsonObject>();
        var instance = application["instance"].ShouldBeOfType<JsonObject>();
        instance["port"]!["$"]!.GetValueKind().ShouldBe(System.Text.Json.JsonValueKind.String);
        instance.ContainsKey("overriddenstatus").ShouldBeTrue();
        instance.ContainsKey("overriddenStatus").ShouldBeFalse();
    }
}
