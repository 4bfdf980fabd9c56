using Registry.Adapters.Eureka.Tests;
using Shouldly;
using Xunit;

namespace Registry.Adapters.Sync.Tests.Backends;

/// <summary><c>mesh-sync</c> against the wire-level Eureka fake (one per test).</summary>
public sealed class EurekaConsoleTests : IAsyncLifetime
{
    private readonly TempCatalogs _files = new();
    private FakeEurekaServer _eureka = null!;

    public async Task InitializeAsync() => _eureka = await FakeEurekaServer.StartAsync();

    public async Task DisposeAsync()
    {
        await _eureka.DisposeAsync();
        _files.Dispose();
    }

    private void Register(string app, string id, string host, int port, string status = "UP") =>
        _eureka.Register(app, FakeEurekaServer.InstanceJson(app, id, host, port, status)).ShouldBeNull();

    [Fact]
    public async Task List_EurekaShortcut_LowerCaseNamesAndStatusMapped()
    {
        Register("ORDERS", "orders-1", "orders-1.internal", 8080);
        Register("ORDERS", "orders-2", "orders-2.internal", 8080, "DOWN");
        Register("ORDERS", "orders-3", "orders-3.internal", 8080, "OUT_OF_SERVICE");
        Register("BILLING", "billing-1", "billing-1.internal", 9000, "STARTING");

        var result = await CliRun.InProcessAsync("list", "--eureka", _eureka.BaseUrl, "--output", "json");

        result.ExitCode.ShouldBe(0, result.ToString());
        var catalog = CatalogDocument.Parse(result.Stdout);
        catalog.ServiceNames.ShouldBe(["billing", "orders"], "Eureka's upper-case app names are lower-cased");
        catalog.Instances("orders").Select(i => (i.Registry, i.Id, i.Host, i.Port, i.Health)).ShouldBe(
        [
            ("eureka", "orders-1", "orders-1.internal", 8080, "healthy"),
            ("eureka", "orders-2", "orders-2.internal", 8080, "unhealthy"),
            ("eureka", "orders-3", "orders-3.internal", 8080, "draining"),
        ], "UP → healthy, DOWN → unhealthy, OUT_OF_SERVICE → draining; the host is hostName");
        catalog.Instances("billing").ShouldHaveSingleItem().Health.ShouldBe("starting");
        catalog.Registries.ShouldBe([new PrintedRegistry("eureka", "eureka", "ready", null, 2, 4)]);
    }

    [Fact]
    public async Task List_ConfigEurekaKindWithCredentials_ReadsAndNeverPrintsPassword()
    {
        const string password = "eureka-pa55-c0ffee";
        _eureka.Credentials = ("mesh", password);
        Register("ORDERS", "orders-1", "orders-1.internal", 8080);
        var config = _files.Write("mesh.json", $$"""
            { "Mesh": { "Registries": [
              { "Name": "netflix", "Kind": "eureka", "ServiceUrls": [ "{{_eureka.UrlWithCredentials("mesh", password)}}" ],
                "FetchInterval": "00:00:05" } ] } }
            """);

        var result = await CliRun.InProcessAsync("list", "--config", config, "--output", "json", "--verbose");

        result.ExitCode.ShouldBe(0, result.ToString());
        var catalog = CatalogDocument.Parse(result.Stdout);
        catalog.Instances("orders").ShouldHaveSingleItem().Registry.ShouldBe("netflix");
        catalog.Registry("netflix").ShouldBe(new PrintedRegistry("netflix", "eureka", "ready", null, 1, 1));
        result.Stdout.ShouldNotContain(password);
        result.Stderr.ShouldNotContain(password);
    }

    [Fact]
    public async Task List_EurekaWrongPasswordAndGoodFile_Exit3FailedPasswordNowhere()
    {
        const string wrong = "wrong-eureka-pa55-17";
        _eureka.Credentials = ("mesh", "right-password");
        Register("ORDERS", "orders-1", "orders-1.internal", 8080);
        var file = _files.Write("a.json", TempCatalogs.A).Replace("\\", "\\\\", StringComparison.Ordinal);
        var config = _files.Write("mesh.json", $$"""
            { "Mesh": { "Registries": [
              { "Kind": "file", "Path": "{{file}}" },
              { "Kind": "eureka", "ServiceUrls": [ "{{_eureka.UrlWithCredentials("mesh", wrong)}}" ] } ] } }
            """);

        var result = await CliRun.InProcessAsync("list", "--config", config, "--output", "json", "--verbose");

        result.ExitCode.ShouldBe(3, result.ToString());
        var catalog = CatalogDocument.Parse(result.Stdout);
        catalog.ServiceNames.ShouldBe(["orders", "payments"]);
        catalog.Instances("orders").ShouldAllBe(i => i.Registry == "file");
        var eureka = catalog.Registry("eureka");
        eureka.State.ShouldBe("failed");
        eureka.Error.ShouldNotBeNullOrWhiteSpace();
        result.Stdout.ShouldNotContain(wrong);
        result.Stderr.ShouldNotContain(wrong);
    }

    [Fact]
    public async Task List_ServerQuotesTheBasicCredentialBack_PasswordInNoOutputErrorMasked()
    {
        var password = $"{Guid.NewGuid():N}-eureka-echoed";
        var basic = Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes($"mesh:{password}"));
        Register("ORDERS", "orders-1", "orders-1.internal", 8080);
        _eureka.Intercept = context =>
        {
            // A server or proxy that quotes what it rejected in the reason phrase, the password across the 64-character bound.
            context.Response.StatusCode = 401;
            context.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpResponseFeature>()!.ReasonPhrase =
                $"Unauthorized: bad credentials for user mesh, password {password}, header {context.Request.Headers.Authorization}";
            return Task.FromResult(true);
        };
        var file = _files.Write("a.json", TempCatalogs.A).Replace("\\", "\\\\", StringComparison.Ordinal);
        var config = _files.Write("mesh.json", $$"""
            { "Mesh": { "Registries": [
              { "Kind": "file", "Path": "{{file}}" },
              { "Kind": "eureka", "ServiceUrls": [ "{{_eureka.UrlWithCredentials("mesh", password)}}" ] } ] } }
            """);

        var json = await CliRun.InProcessAsync("list", "--config", config, "--output", "json", "--verbose");
        var table = await CliRun.InProcessAsync("list", "--config", config, "--output", "table", "--verbose");

        json.ExitCode.ShouldBe(3, json.ToString());
        table.ExitCode.ShouldBe(3, table.ToString());
        var error = CatalogDocument.Parse(json.Stdout).Registry("eureka").Error.ShouldNotBeNull();
        error.ShouldContain("401 Unauthorized: bad credentials for user mesh, password ***");
        table.Stdout.ShouldContain("failed");
        table.Stderr.ShouldContain("password ***");
        foreach (var text in new[] { json.Stdout, json.Stderr, table.Stdout, table.Stderr })
        {
            text.ShouldNotContain(password[..8]);
            text.ShouldNotContain(basic[..16]);
        }
    }
}
